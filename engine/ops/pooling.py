"""Pooling ops (channels-last): `max_pool` and `average_pool`, as in `keras.ops`.

Padding "same" pads so the output has ceil(size / stride) cells, with the odd cell after;
padded cells never count (maxima ignore them, averages divide by the real cells only).
"""

from __future__ import annotations

import numpy as np

from engine.autodiff.function import record
from engine.autodiff.tensor import convert
from engine.ops.conv import _pad3, _to3d, _tuple, in_format, same_padding

__all__ = ["max_pool", "average_pool"]


def pool_output_length(size, pool, padding, stride):
    """Output size along one axis (None stays None)."""
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    if padding == "valid":
        return (size - pool) // stride + 1
    raise ValueError(f"padding must be 'valid' or 'same'. Received: padding={padding!r}")


def _geometry(xd, pool_size, strides, padding, op_name):
    rank = xd.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{op_name}: inputs must have rank 3, 4 or 5 (batch, *spatial, channels). "
                         f"Received: inputs.shape={tuple(xd.shape)}")
    pool_size = _tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else _tuple(strides, rank, "strides")
    padding = str(padding).lower()
    pads, out_spatial = [], []
    for size, k, s in zip(xd.shape[1:-1], pool_size, strides):
        out_spatial.append(pool_output_length(size, k, padding, s))
        pads.append(same_padding(size, k, s)[0] if padding == "same" else 0)
    if min(out_spatial) <= 0:
        raise ValueError(f"{op_name}: pool_size={pool_size} does not fit the input with padding={padding!r}. "
                         f"Received: inputs.shape={tuple(xd.shape)}")
    return rank, (_pad3(pool_size, rank, 1), _pad3(strides, rank, 1), _pad3(pads, rank, 0)), \
        _pad3(out_spatial, rank, 1), tuple(out_spatial)


def _float_input(inputs):
    x = convert(inputs)
    xd = x.data if x.data.dtype.kind == "f" else x.data.astype(np.float32)
    return x, xd


def _backend(array):
    from engine.backend import backend_of

    return backend_of(array)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Maximum over each window; the gradient goes to the first maximal cell of the window."""
    return in_format(data_format, lambda x: _max_pool(x, pool_size, strides, padding), inputs)


def _max_pool(inputs, pool_size, strides, padding):
    x, xd = _float_input(inputs)
    rank, (pool3, strides3, pads3), out3, out_spatial = _geometry(xd, pool_size, strides, padding, "max_pool")
    x3 = _to3d(xd, rank)
    backend = _backend(xd)
    y, argmax = backend.max_pool_forward(x3, pool3, strides3, pads3, out3)
    out_shape = (xd.shape[0],) + out_spatial + (xd.shape[-1],)

    def backward(g):
        g3 = _to3d(g if g.dtype == xd.dtype else g.astype(xd.dtype), rank)
        return (backend.max_pool_backward(g3, argmax, x3.shape[1:4]).reshape(xd.shape),)

    return record(y.reshape(out_shape), (x,), backward)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over each window's real (unpadded) cells."""
    return in_format(data_format, lambda x: _average_pool(x, pool_size, strides, padding), inputs)


def _average_pool(inputs, pool_size, strides, padding):
    x, xd = _float_input(inputs)
    rank, (pool3, strides3, pads3), out3, out_spatial = _geometry(xd, pool_size, strides, padding, "average_pool")
    x3 = _to3d(xd, rank)
    backend = _backend(xd)
    y = backend.avg_pool_forward(x3, pool3, strides3, pads3, out3)
    out_shape = (xd.shape[0],) + out_spatial + (xd.shape[-1],)

    def backward(g):
        g3 = _to3d(g if g.dtype == xd.dtype else g.astype(xd.dtype), rank)
        return (backend.avg_pool_backward(g3, x3.shape[1:4], pool3, strides3, pads3).reshape(xd.shape),)

    return record(y.reshape(out_shape), (x,), backward)

