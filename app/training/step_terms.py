"""One batch's loss terms for the step-mode table (no Qt).

Keras logs running epoch means; a teacher stepping one batch at a time wants this batch's
numbers. `BatchTerms` derives them: the total loss (from the loss tracker, given by the
caller), each layer's `add_loss` total, the weight regularizers (evaluated before the update,
with the weights the batch used), the compiled loss as what remains, and each compiled or
`add_metric` metric's value on this batch (from the change in its running total and count).
"""

from __future__ import annotations

import numpy as np


def _value(tensor) -> float:
    return float(np.sum(tensor.numpy() if hasattr(tensor, "numpy") else tensor))


def loss_name(model) -> str:
    """The compiled loss's name as the user chose it (e.g. "categorical_crossentropy")."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__


class BatchTerms:
    """Call `epoch_begin`, then `before_batch` and `after_batch(total, added)` around each batch."""

    def __init__(self, model):
        self.model = model
        self._layers = model._flatten_layers()  # found once: walking the layers each batch costs ms
        self._regularized = [(v, v.regularizer) for layer in self._layers
                             for v in layer._own_variables() if v.regularizer is not None]
        self._previous: dict[str, tuple[float, float]] = {}
        self._regularization = 0.0

    def epoch_begin(self) -> None:
        """Metrics were reset: the next batch's running totals start from zero."""
        self._previous = {}

    def before_batch(self) -> None:
        """Evaluate the weight regularizers with the weights this batch will use."""
        from engine.autodiff.tape import stop_recording

        if not self._regularized:
            return
        with stop_recording():
            self._regularization = sum(_value(reg(v)) for v, reg in self._regularized)

    def _metric_value(self, key: str, metric) -> float:
        """The metric's value on the last batch when it is a running mean, else its result."""
        total, count = getattr(metric, "total", None), getattr(metric, "count", None)
        if total is None or count is None:
            return float(np.asarray(metric.result().numpy()))
        now = (float(np.asarray(total.numpy())), float(np.asarray(count.numpy())))
        before = self._previous.get(key, (0.0, 0.0))
        self._previous[key] = now
        d_total, d_count = now[0] - before[0], now[1] - before[1]
        return d_total / d_count if d_count else float("nan")

    def after_batch(self, total: float | None, added: dict[str, float]) -> list[dict]:
        """This batch's terms, each {"kind", "name", "value"}, in the order the table shows them.

        kinds: "loss" (the total minimised), "compiled loss", "add_loss" (one per layer, named
        by the layer), "regularizers", "add_metric" (by metric name), "metric" (compiled).
        """
        model = self.model
        terms = []
        if total is not None:
            terms.append({"kind": "loss", "name": "total", "value": total})
        compiled = getattr(model, "compiled_loss", None)
        if compiled is not None and compiled.active and total is not None:
            rest = total - sum(added.values()) - (self._regularization if self._regularized else 0.0)
            terms.append({"kind": "compiled loss", "name": loss_name(model), "value": rest})
        for key, value in added.items():
            terms.append({"kind": "add_loss", "name": key.removeprefix("add_loss/"), "value": value})
        if self._regularized:
            terms.append({"kind": "regularizers", "name": f"{len(self._regularized)} weight(s)",
                          "value": self._regularization})
        added_metrics = {}
        for layer in self._layers:  # as Layer._added_metric_trackers, without the walk
            for name, tracker in layer._added_metrics.items():
                added_metrics.setdefault(name, tracker)
        for name, tracker in added_metrics.items():
            terms.append({"kind": "add_metric", "name": name, "value": self._metric_value("added:" + name, tracker)})
        compiled_metrics = getattr(model, "_compiled_metrics", None)
        for metric in getattr(compiled_metrics, "metrics", []) or []:
            terms.append({"kind": "metric", "name": metric.name,
                          "value": self._metric_value("compiled:" + metric.name, metric)})
        return terms
