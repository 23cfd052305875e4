"""Dtype names and conversions shared by the engine."""

from __future__ import annotations

import numpy as np

_floatx = "float32"

# tf.DType enum values, so `tf.zeros(1, 1)` reads its second argument as TensorFlow does.
_TF_ENUM = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 9: "int64", 10: "bool", 19: "float16"}


def floatx() -> str:
    """The default float dtype name (``"float32"``)."""
    return _floatx


def set_floatx(name: str) -> None:
    """Change the default float dtype (``"float32"`` or ``"float64"``)."""
    global _floatx
    _floatx = standardize(name)


def standardize(dtype) -> str | None:
    """Turn any dtype spelling (numpy, string, TF enum, DType object) into a name."""
    if dtype is None:
        return None
    if isinstance(dtype, bool):
        raise TypeError(f"Invalid dtype: {dtype!r}")
    if isinstance(dtype, (int, np.integer)):
        if int(dtype) not in _TF_ENUM:
            raise TypeError(f"Invalid dtype enum: {dtype!r}")
        return _TF_ENUM[int(dtype)]
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and not isinstance(dtype, str):
        dtype = name
    return np.dtype(dtype).name


def is_float(dtype) -> bool:
    """Whether `dtype` is a floating point type."""
    return np.issubdtype(np.dtype(standardize(dtype)), np.floating)
