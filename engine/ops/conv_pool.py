"""`conv_relu_max_pool`: a convolution with bias and relu, then "valid" max pooling, as one op.

It equals `max_pool(conv_bias_activation(x, kernel, bias, "relu"), pool_size, strides)`,
forward and backward (the first maximal cell of a window takes its gradient, as in
`max_pool`), without keeping the full-size conv output: see
`engine/backend/cpu/conv_pool.py`. Sequential models call it for a Conv layer with relu
followed by a MaxPooling layer (`engine/layers/convolution/fusion.py`). Host (numpy) arrays only.
"""

from __future__ import annotations

import numpy as np

from engine.autodiff.function import record
from engine.autodiff.tensor import convert
from engine.ops.conv import _common, _conv_geometry, _kernel3d, _pad3, _to3d
from engine.ops.pooling import _geometry as _pool_geometry


def conv_relu_max_pool(inputs, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, pool_size=2,
                       pool_strides=None):
    """max_pool(relu(conv(inputs, kernel) + bias)) with "valid" pooling, channels-last, one op."""
    from engine.backend.cpu import conv_pool as kernels

    x, kernel, xd, kd, rank = _common(inputs, kernel, "conv_relu_max_pool")
    b = None if bias is None else convert(bias)
    if not all(isinstance(a, np.ndarray) for a in (xd, kd)) or (b is not None and not isinstance(b.data, np.ndarray)):
        raise ValueError("conv_relu_max_pool: runs on host (numpy) arrays only.")
    if b is not None and tuple(b.shape) != (kd.shape[-1],):
        raise ValueError(f"conv_relu_max_pool: bias must have shape ({kd.shape[-1]},). "
                         f"Received: bias.shape={tuple(b.shape)}")
    groups, geometry, out_spatial = _conv_geometry(xd, kd, rank, strides, padding, dilation_rate)
    conv_shape = (xd.shape[0],) + out_spatial + (kd.shape[-1],)
    _, (pool3, pool_strides3, _), _, pooled_spatial = _pool_geometry(
        np.empty((1,) + conv_shape[1:], dtype=np.int8), pool_size, pool_strides, "valid", "conv_relu_max_pool")
    out3d = _pad3(out_spatial, rank, 1)
    x3, k3 = np.ascontiguousarray(_to3d(xd, rank)), np.ascontiguousarray(_kernel3d(kd, rank))
    bd = None if b is None else b.data.astype(xd.dtype, copy=False)
    pooled, winners = kernels.conv_relu_max_pool_forward(x3, k3, bd, *geometry, out3d, groups, pool3, pool_strides3,
                                                         _pad3(pooled_spatial, rank, 1))

    def backward(g):
        g3 = _to3d(g if g.dtype == xd.dtype else g.astype(xd.dtype), rank)
        gx, gk, gb = kernels.conv_relu_max_pool_backward(x3, pooled, winners, g3, k3, b is not None, *geometry,
                                                         out3d, groups, need_data=x._needs_grad,
                                                         need_filter=kernel._needs_grad)
        gx = None if gx is None else gx.reshape(xd.shape).astype(x.data.dtype, copy=False)
        gk = None if gk is None else gk.reshape(kd.shape)
        if gb is not None and b is not None:
            gb = gb.astype(b.data.dtype, copy=False)
        return gx, gk, gb

    out_shape = (xd.shape[0],) + tuple(pooled_spatial) + (kd.shape[-1],)
    return record(pooled.reshape(out_shape), (x, kernel, b), backward)
