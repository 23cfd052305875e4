"""`MonitorCallback`: shared logic of callbacks that watch one logged quantity."""

from __future__ import annotations

import operator

from engine.callbacks.callback import Callback

_UP_WORDS = ("acc", "precision", "recall", "auc", "f1")
_DOWN_WORDS = ("loss", "error", "crossentropy", "hinge", "divergence")


class MonitorCallback(Callback):
    """Decides whether a new value of `monitor` improves on a reference value.

    mode "min" wants smaller values, "max" larger ones; "auto" minimises "loss" and asks
    the model's metric of that name for its direction (`_direction`), falling back to the
    metric name. An improvement must beat the reference by more than `min_delta`.
    """

    def __init__(self, monitor="val_loss", mode="auto", min_delta=0.0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max'. Received: mode={mode!r}")
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(float(min_delta))
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            self.monitor_op = self._auto_direction()
        if self.monitor_op is operator.lt and self.min_delta > 0:
            self.min_delta = -self.min_delta

    def _auto_direction(self):
        name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
        if name == "loss":
            return operator.lt
        for metric in getattr(self.model, "metrics", None) or []:
            direction = getattr(metric, "_direction", None)
            if getattr(metric, "name", None) == name and direction in ("up", "down"):
                return operator.gt if direction == "up" else operator.lt
        lowered = name.lower()
        if any(word in lowered for word in _DOWN_WORDS):
            return operator.lt
        if any(word in lowered for word in _UP_WORDS):
            return operator.gt
        raise ValueError(
            f"{type(self).__name__} callback received monitor={self.monitor!r}, but cannot tell whether it "
            "should be maximized or minimized. Pass mode='max' or mode='min'."
        )

    def _is_improvement(self, value, reference) -> bool:
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))
