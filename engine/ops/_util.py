"""Helpers shared by op definitions."""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autodiff.tensor import Tensor, convert


def xp_of(*arrays):
    """The numpy-like namespace of the backend that owns the first array given."""
    from engine.backend import backend_of

    for a in arrays:
        if a is not None and not isinstance(a, (int, float)):
            return backend_of(a).xp
    return np


def pair(a, b):
    """Convert two operands to tensors of a common dtype, as TF's binary ops expect."""
    ta = a if isinstance(a, Tensor) else None
    tb = b if isinstance(b, Tensor) else None
    if ta is None and tb is None:
        ta, tb = convert(a), convert(b)
    elif ta is None:
        ta = _like(a, tb)
    elif tb is None:
        tb = _like(b, ta)
    if ta.data.dtype != tb.data.dtype:
        ta, tb = _promote(ta, tb)
    return ta, tb


def _promote(ta: Tensor, tb: Tensor):
    """Keras 3 promotion for mixed operands: an int or bool operand takes the float operand's dtype
    (numpy would widen int32 + float32 to float64)."""
    a_float, b_float = ta.data.dtype.kind == "f", tb.data.dtype.kind == "f"
    if a_float == b_float:
        return ta, tb
    from engine.ops.array import cast

    if a_float:
        return ta, cast(tb, ta.dtype)
    return cast(ta, tb.dtype), tb


def _like(value, other: Tensor) -> Tensor:
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and other.dtype != value.dtype.name:
        # float arrays from numpy (float64 by default) follow the tensor's float dtype
        if other.dtype.startswith("float"):
            return Tensor(value.astype(other.dtype))
    if isinstance(value, np.ndarray):
        return Tensor(value)
    if isinstance(value, (float, np.floating)) and not other.dtype.startswith("float"):
        return Tensor(np.asarray(value, dtype=dtypes.floatx()))
    return Tensor(np.asarray(value, dtype=other.dtype if _fits(value, other.dtype) else None))


def _fits(value, dtype: str) -> bool:
    if isinstance(value, bool):
        return dtype == "bool"
    if isinstance(value, (int, np.integer)):
        return True
    if isinstance(value, (float, np.floating)):
        return dtype.startswith("float")
    if isinstance(value, (list, tuple)):
        return True
    return False


def unbroadcast(grad, shape):
    """Sum `grad` over the axes along which an operand of `shape` was broadcast."""
    shape = tuple(shape)
    if tuple(grad.shape) == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def normalize_axis(axis, ndim):
    """Axis argument as a tuple of non-negative ints (None means all axes)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(sorted(int(a) % ndim for a in axis))
    return (int(axis) % ndim,)
