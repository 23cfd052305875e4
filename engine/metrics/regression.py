"""Regression metrics: mean absolute and mean squared error."""

from __future__ import annotations

import numpy as np

from engine.metrics.reduction import MeanMetricWrapper


def _aligned(y_true, y_pred):
    y_true = np.asarray(y_true, dtype="float32")
    y_pred = np.asarray(y_pred, dtype="float32")
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    return y_true, y_pred


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean of |y_true - y_pred| over the last axis."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return np.abs(y_true - y_pred).mean(axis=-1)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean of (y_true - y_pred)**2 over the last axis."""
    y_true, y_pred = _aligned(y_true, y_pred)
    return np.square(y_true - y_pred).mean(axis=-1)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean absolute error over all samples seen."""

    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Mean squared error over all samples seen."""

    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name, dtype)
