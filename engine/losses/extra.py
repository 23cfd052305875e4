"""Less common Keras losses: divergences, hinge losses, log-cosh, cosine similarity and
percentage / logarithmic errors (differentiable, built on ops)."""

from __future__ import annotations

import math

import numpy as np

from engine import ops
from engine.autodiff.tensor import convert

_EPSILON = 1e-7


def _pair(y_true, y_pred):
    y_pred = convert(y_pred)
    if not y_pred.dtype.startswith("float"):
        y_pred = ops.cast(y_pred, "float32")
    y_true = convert(y_true)
    y_true = ops.cast(y_true, y_pred.dtype) if y_true.dtype != y_pred.dtype else y_true
    if y_true.ndim == y_pred.ndim - 1:
        y_true = ops.expand_dims(y_true, -1)
    return y_true, y_pred


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [eps, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = ops.clip(y_true, _EPSILON, 1.0)
    p = ops.clip(y_pred, _EPSILON, 1.0)
    return ops.reduce_sum(ops.multiply(t, ops.log(ops.divide(t, p))), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.reduce_mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, _EPSILON)))), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, computed without overflow."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    return ops.reduce_mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(-2.0, x))), math.log(2.0)), axis=-1)


def _signed_labels(y_true):
    values = np.asarray(y_true.numpy())
    if np.all((values == 0) | (values == 1)):
        return ops.subtract(ops.multiply(2.0, y_true), 1.0)
    return y_true


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)); 0/1 labels are mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    margin = ops.subtract(1.0, ops.multiply(_signed_labels(y_true), y_pred))
    return ops.reduce_mean(ops.maximum(margin, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0) ** 2); 0/1 labels are mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    margin = ops.subtract(1.0, ops.multiply(_signed_labels(y_true), y_pred))
    return ops.reduce_mean(ops.square(ops.maximum(margin, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) for one-hot labels."""
    y_true, y_pred = _pair(y_true, y_pred)
    positive = ops.reduce_sum(ops.multiply(y_true, y_pred), axis=-1)
    negative = ops.reduce_max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(negative, positive), 1.0), 0.0)


def _l2_normalize(x, axis):
    norm_sq = ops.reduce_sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(norm_sq, 1e-12)))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis` (-1 means same direction)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.negative(ops.reduce_sum(ops.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis)),
                                       axis=axis))


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(y_pred + 1) - log(y_true + 1)) ** 2), values floored at eps."""
    y_true, y_pred = _pair(y_true, y_pred)
    first = ops.log(ops.add(ops.maximum(y_pred, _EPSILON), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, _EPSILON), 1.0))
    return ops.reduce_mean(ops.square(ops.subtract(first, second)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / y_true|), |y_true| floored at eps."""
    y_true, y_pred = _pair(y_true, y_pred)
    ratio = ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), _EPSILON))
    return ops.multiply(100.0, ops.reduce_mean(ops.abs(ratio), axis=-1))
