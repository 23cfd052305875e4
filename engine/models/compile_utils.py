"""What `compile` resolves: losses per output, metric objects, `"accuracy"` by loss."""

from __future__ import annotations

import numpy as np

from engine import losses as losses_mod
from engine.autodiff.tape import stop_recording
from engine import ops
from engine.layers.symbolic import flatten
from engine.metrics import get as get_metric
from engine.metrics.accuracy import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy


def _resolve_accuracy(name, loss, output_shape):
    loss_name = getattr(loss, "name", "") or ""
    if "sparse_categorical" in loss_name:
        return SparseCategoricalAccuracy(name=name)
    if "binary" in loss_name:
        return BinaryAccuracy(name=name)
    if "categorical" in loss_name:
        return CategoricalAccuracy(name=name)
    if output_shape is not None and len(output_shape) >= 2 and output_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    return SparseCategoricalAccuracy(name=name) if loss is not None else CategoricalAccuracy(name=name)


class CompiledLoss:
    """Sum of per-output losses times `loss_weights`."""

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = list(output_names)
        n = len(self.output_names)
        if isinstance(loss, dict):
            unknown = set(loss) - set(self.output_names)
            if unknown:
                raise ValueError(f"compile(loss=...) names unknown outputs {sorted(unknown)}. "
                                 f"Model outputs: {self.output_names}")
            self.losses = [losses_mod.get(loss.get(name)) for name in self.output_names]
        elif isinstance(loss, (list, tuple)):
            if len(loss) != n:
                raise ValueError(f"compile(loss=...) has {len(loss)} entries but the model has {n} outputs.")
            self.losses = [losses_mod.get(item) for item in loss]
        else:
            self.losses = [losses_mod.get(loss)] * n if loss is not None else [None] * n
        if loss_weights is None:
            self.weights = [1.0] * n
        elif isinstance(loss_weights, dict):
            self.weights = [float(loss_weights.get(name, 1.0)) for name in self.output_names]
        else:
            self.weights = [float(w) for w in loss_weights]

        from engine.metrics.reduction import Mean

        # as Keras 3: with several losses, each output's unweighted loss is logged as "<output>_loss"
        named = [(i, name) for i, (name, loss) in enumerate(zip(self.output_names, self.losses)) if loss is not None]
        self.trackers = {i: Mean(name=f"{name}_loss") for i, name in named} if len(named) > 1 else {}

    @property
    def active(self) -> bool:
        return any(loss is not None for loss in self.losses)

    def __call__(self, y_true, y_pred, sample_weight=None):
        trues = _align(y_true, self.output_names)
        preds = flatten(y_pred)
        total = None
        for i, (loss, weight, t, p) in enumerate(zip(self.losses, self.weights, trues, preds)):
            if loss is None or t is None:
                continue
            value = loss(t, p, sample_weight)
            tracker = self.trackers.get(i)
            if tracker is not None:
                with stop_recording():
                    tracker.update_state(value, sample_weight=np.asarray(p.shape[0] if p.ndim else 1, "float32"))
            if weight != 1.0:
                value = ops.multiply(value, weight)
            total = value if total is None else ops.add(total, value)
        return total


def _align(y, output_names):
    if isinstance(y, dict):
        return [y.get(name) for name in output_names]
    if isinstance(y, (list, tuple)) and len(output_names) > 1:
        return list(y)
    return [y] + [None] * (len(output_names) - 1)


class CompiledMetrics:
    """Metric objects per output, updated from y_true and y_pred each batch.

    As in Keras 3, `metrics` ignore sample weights and `weighted_metrics` use them; a
    weighted metric whose name is taken by an unweighted one is logged as "weighted_<name>".
    """

    def __init__(self, metrics, output_names, losses, output_shapes, weighted_metrics=None):
        self.output_names = list(output_names)
        self.per_output: list[list] = [[] for _ in self.output_names]
        self.weighted_per_output: list[list] = [[] for _ in self.output_names]
        self._by_shapes: set[int] = set()  # "accuracy" metrics to settle from the first batch's shapes
        self._build(metrics, self.per_output, losses, output_shapes)
        taken = {m.name for m in self.metrics}
        self._build(weighted_metrics, self.weighted_per_output, losses, output_shapes)
        for group in self.weighted_per_output:
            for metric in group:
                if metric.name in taken:
                    metric.name = f"weighted_{metric.name}"

    def _spec(self, metrics):
        n = len(self.output_names)
        if isinstance(metrics, dict):
            unknown = set(metrics) - set(self.output_names)
            if unknown:
                raise ValueError(f"compile(metrics=...) names unknown outputs {sorted(unknown)}. "
                                 f"Model outputs: {self.output_names}")
            return [metrics.get(name, []) for name in self.output_names]
        if n > 1 and isinstance(metrics, (list, tuple)) and metrics and all(
                isinstance(m, (list, tuple)) for m in metrics):
            if len(metrics) != n:
                raise ValueError(f"compile(metrics=...) has {len(metrics)} lists but the model has {n} outputs.")
            return list(metrics)
        return [metrics] + [[]] * (n - 1)

    def _build(self, metrics, groups, losses, output_shapes):
        if metrics is None:
            return
        multi = len(self.output_names) > 1
        for i, items in enumerate(self._spec(metrics)):
            if not isinstance(items, (list, tuple)):
                items = [items]
            for item in items:
                if item in ("accuracy", "acc"):
                    metric = _resolve_accuracy(item, losses[i], output_shapes[i])
                    self._by_shapes.add(id(metric))
                else:
                    metric = get_metric(item)
                if multi:
                    metric.name = f"{self.output_names[i]}_{metric.name}"
                groups[i].append(metric)

    @property
    def metrics(self):
        return [m for group in self.per_output + self.weighted_per_output for m in group]

    def update(self, y_true, y_pred, sample_weight=None):
        trues = _align(y_true, self.output_names)
        preds = flatten(y_pred)
        for plain, weighted, t, p in zip(self.per_output, self.weighted_per_output, trues, preds):
            if t is None:
                continue
            if self._by_shapes:
                _settle_accuracy(plain, t, p, self._by_shapes)
                _settle_accuracy(weighted, t, p, self._by_shapes)
            for metric in plain:
                metric.update_state(t, p)
            for metric in weighted:
                metric.update_state(t, p, sample_weight)


def _settle_accuracy(group, y_true, y_pred, pending):
    """Keras 3 picks the accuracy kind from shapes: binary when predictions have one column,
    sparse when labels have lower rank (or one column against several), else categorical."""
    for index, metric in enumerate(group):
        if id(metric) not in pending:
            continue
        pending.discard(id(metric))
        true_shape, pred_shape = tuple(getattr(y_true, "shape", ())), tuple(getattr(y_pred, "shape", ()))
        if not true_shape or not pred_shape:
            continue
        if pred_shape[-1] == 1:
            cls = BinaryAccuracy
        elif len(true_shape) < len(pred_shape) or true_shape[-1] == 1:
            cls = SparseCategoricalAccuracy
        else:
            cls = CategoricalAccuracy
        if type(metric) is not cls:
            group[index] = cls(name=metric.name)
