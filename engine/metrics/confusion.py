"""Precision and Recall from thresholded predictions (Keras 3 semantics)."""

from __future__ import annotations

import numpy as np

from engine.autodiff.tensor import Tensor
from engine.metrics.base import Metric, as_array


class _ConfusionMetric(Metric):
    """Counts true positives and one kind of error at each threshold.

    A prediction counts as positive when it is strictly above the threshold. `class_id`
    restricts counting to one column; `top_k` keeps only the k largest predictions of
    each sample as positive. With several thresholds `result()` is a vector.
    """

    _direction = "up"
    _error_name = ""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        single = thresholds is None or np.isscalar(thresholds)
        default = 0.5 if top_k is None else -np.inf
        values = [default] if thresholds is None else ([thresholds] if single else list(thresholds))
        for t in values:
            if t != -np.inf and not 0 <= t <= 1:
                raise ValueError(f"{type(self).__name__}: thresholds must be in [0, 1]. Received: {thresholds!r}")
        self.init_thresholds = thresholds
        self.thresholds = np.asarray(values, dtype="float64")
        self._single = single
        self.top_k = top_k
        self.class_id = class_id
        n = len(values)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.errors = self.add_variable(shape=(n,), name=self._error_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_array(y_true)
        y_pred = as_array(y_pred)
        if y_true.shape != y_pred.shape:
            y_true = y_true.reshape(y_pred.shape) if y_true.size == y_pred.size else np.broadcast_to(y_true, y_pred.shape)
        if self.top_k is not None:
            kth = -np.sort(-y_pred, axis=-1)[..., self.top_k - 1: self.top_k]
            y_pred = np.where(y_pred >= kth, y_pred, -np.inf)
        if self.class_id is not None:
            y_true = y_true[..., self.class_id]
            y_pred = y_pred[..., self.class_id]
        weight = np.ones_like(y_pred) if sample_weight is None else _broadcast(as_array(sample_weight), y_pred)
        predicted = y_pred[None, ...] > self.thresholds.reshape((-1,) + (1,) * y_pred.ndim)
        actual = (y_true > 0.5)[None, ...]
        axes = tuple(range(1, predicted.ndim))
        tp = ((predicted & actual) * weight).sum(axis=axes)
        err = self._count_errors(predicted, actual, weight, axes)
        self.true_positives.assign(self.true_positives.numpy() + tp.astype("float32"))
        self.errors.assign(self.errors.numpy() + err.astype("float32"))

    def result(self):
        tp = self.true_positives.numpy().astype("float64")
        denominator = tp + self.errors.numpy()
        value = np.divide(tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
        value = value.astype(self.dtype)
        return Tensor(np.asarray(value[0]) if self._single else value)

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id})
        return config


def _broadcast(weight, values):
    while weight.ndim < values.ndim:
        weight = weight[..., None]
    return np.broadcast_to(weight, values.shape)


class Precision(_ConfusionMetric):
    """true positives / predicted positives."""

    _error_name = "false_positives"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision", dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    @property
    def false_positives(self):
        return self.errors

    def _count_errors(self, predicted, actual, weight, axes):
        return ((predicted & ~actual) * weight).sum(axis=axes)


class Recall(_ConfusionMetric):
    """true positives / actual positives."""

    _error_name = "false_negatives"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall", dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    @property
    def false_negatives(self):
        return self.errors

    def _count_errors(self, predicted, actual, weight, axes):
        return ((~predicted & actual) * weight).sum(axis=axes)
