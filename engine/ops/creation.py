"""Tensors made from nothing: zeros, ones, fills, ranges and random draws."""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autodiff.tensor import Tensor


def _shape(shape):
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _dtype(dtype):
    return dtypes.standardize(dtype) or dtypes.floatx()


def zeros(shape, dtype=None):
    """A tensor of zeros. `dtype` also accepts TensorFlow's enum values (1 is float32)."""
    return Tensor(np.zeros(_shape(shape), dtype=_dtype(dtype)))


def ones(shape, dtype=None):
    """A tensor of ones."""
    return Tensor(np.ones(_shape(shape), dtype=_dtype(dtype)))


def fill(shape, value, dtype=None):
    """A tensor filled with `value`."""
    return Tensor(np.full(_shape(shape), value, dtype=_dtype(dtype)))


def zeros_like(a, dtype=None):
    """Zeros with the shape (and dtype) of `a`."""
    a = np.asarray(a)
    return Tensor(np.zeros(a.shape, dtype=dtypes.standardize(dtype) or a.dtype))


def ones_like(a, dtype=None):
    """Ones with the shape (and dtype) of `a`."""
    a = np.asarray(a)
    return Tensor(np.ones(a.shape, dtype=dtypes.standardize(dtype) or a.dtype))


def range_(start, limit=None, delta=1, dtype=None):
    """Like Python's range, as a tensor."""
    if limit is None:
        start, limit = 0, start
    values = np.arange(start, limit, delta)
    return Tensor(values.astype(_dtype(dtype)) if dtype else values.astype(np.int32 if values.dtype.kind == "i" else dtypes.floatx()))


def eye(n, m=None, dtype=None):
    """Identity matrix."""
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws."""
    from engine.random import generator

    return Tensor(generator(seed).normal(mean, stddev, _shape(shape)).astype(_dtype(dtype)))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform draws in [minval, maxval)."""
    from engine.random import generator

    return Tensor(generator(seed).uniform(minval, maxval, _shape(shape)).astype(_dtype(dtype)))
