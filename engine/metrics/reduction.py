"""Metrics that reduce values: Mean, Sum, and MeanMetricWrapper for per-sample functions."""

from __future__ import annotations

import numpy as np

from engine.autodiff.tensor import Tensor
from engine.metrics.base import Metric, as_array


class Sum(Metric):
    """Running (weighted) sum of the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values = as_array(values)
        if sample_weight is not None:
            values = values * _broadcast_weight(as_array(sample_weight), values)
        self.total.assign(self.total.numpy() + values.sum())

    def result(self):
        return Tensor(np.asarray(self.total.numpy(), dtype=self.dtype))


class Mean(Metric):
    """Running (weighted) mean of the values seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        values = as_array(values)
        if sample_weight is None:
            weight = np.ones_like(values)
        else:
            weight = _broadcast_weight(as_array(sample_weight), values)
        self.total.assign(self.total.numpy() + (values * weight).sum())
        self.count.assign(self.count.numpy() + weight.sum())

    def result(self):
        count = float(self.count.numpy())
        value = float(self.total.numpy()) / count if count else 0.0
        return Tensor(np.asarray(value, dtype=self.dtype))


def _broadcast_weight(weight, values):
    while weight.ndim > values.ndim and weight.shape[-1] == 1:
        weight = weight[..., 0]
    while weight.ndim < values.ndim:
        weight = weight[..., None]
    return np.broadcast_to(weight, values.shape)


class MeanMetricWrapper(Mean):
    """Mean over samples of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(as_array(y_true, None), as_array(y_pred, None), **self._fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config
