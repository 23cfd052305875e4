"""A convolution with bias and relu followed by max pooling, in one pass over each part (CPU).

Conv -> ReLU -> MaxPooling is the common CNN stage (W2 has two). Run as two ops, the
convolution's output, a full-size feature map (5.5 MB for W2's first conv), is written,
passed over for the bias and relu, read by the pooling, and in the backward pass zeroed and
scattered into by the pooling's gradient, then read twice more for relu's derivative. Here
each part of the batch (the same cache-sized parts as `conv.py`) goes through the GEMM,
bias, relu and pooling while its conv output is in cache; only the pooled output and the
winners' indices are kept. The backward pass rebuilds a part's conv-output gradient from
the pooled gradient (relu's derivative at a window's winner is whether the pooled value is
positive), so the bias gradient is a sum over the pooled gradient and the conv output is
never stored. No new numba kernels: the conv GEMM parts (or `conv_winograd`'s and
`conv_implicit`'s kernels, where `conv.winograd_plan` and `conv.implicit_plan` take them) and the
pooling kernels are reused with the argument types their own warm-ups compile.
"""

from __future__ import annotations

import math

import numpy as np

from engine.backend.cpu import conv, conv_implicit, conv_winograd, pooling
from engine.backend.cpu.dense import activation_bias_grad, bias_activation

RELU = 1


def conv_relu_max_pool_forward(x, kernel, bias, strides, dilations, pads, out_spatial, groups, pool_size,
                               pool_strides, pooled_spatial):
    """(pooled, winners): max pooling ("valid") of relu(conv(x, kernel) + bias).

    `winners` holds, per pooled cell, the flat spatial index of the conv output cell that won
    (as `pooling.max_pool_forward`)."""
    x = np.ascontiguousarray(x)
    kshape, out_ch = tuple(kernel.shape[:3]), kernel.shape[-1]
    weights = conv._kernel3(kernel)
    has_bias = bias is not None
    bias = np.ascontiguousarray(bias, dtype=x.dtype) if has_bias else np.zeros(out_ch, dtype=x.dtype)
    shape = (x.shape[0],) + tuple(pooled_spatial) + (out_ch,)
    pooled, winners = np.empty(shape, dtype=x.dtype), np.empty(shape, dtype=np.int64)
    plan = conv._plan(x.shape[0], out_spatial, kshape, x.shape[-1], out_ch, x.itemsize)
    implicit = out_ch >= conv.MIN_IMPLICIT_WIDTH and conv.implicit_plan(
        x.shape, kernel.shape, x.dtype, strides, dilations, pads, out_spatial, groups, for_data=False)
    winograd = conv.winograd_plan(x.shape, kernel.shape, x.dtype, strides, dilations, pads, out_spatial, groups)
    implicit = implicit and not winograd
    packed = conv_implicit.pack_taps(kernel[0]) if implicit else None
    if winograd:
        packed = conv_winograd.transform_kernel(kernel[0])
        plan = conv._whole_ranges(plan)  # each Winograd call sets up its buffers: once per thread

    def work(parts):
        for part in parts:
            count = part.stop - part.start
            dest = np.empty((count * math.prod(out_spatial), out_ch), dtype=x.dtype)
            if winograd:
                conv_winograd.winograd_conv(x[part, 0], packed, pads[1], pads[2],
                                            dest.reshape((count,) + tuple(out_spatial[1:]) + (out_ch,)))
            elif implicit:
                conv_implicit.implicit_conv(x[part, 0], packed, kshape[1], pads[1], pads[2],
                                            dest.reshape((count,) + tuple(out_spatial[1:]) + (out_ch,)), strides[1:])
            else:
                conv._forward_part(conv._columns(x[part], kshape, strides, dilations, pads, out_spatial), weights,
                                   groups, dest)
            bias_activation(dest, bias, has_bias, RELU)
            pooling.max_pool_part(dest.reshape((count,) + tuple(out_spatial) + (out_ch,)), pool_size,
                                  pool_strides, (0, 0, 0), pooled[part], winners[part])

    conv._run_plan(plan, work)
    return pooled, winners


def conv_relu_max_pool_backward(x, pooled, winners, grad_pooled, kernel, has_bias, strides, dilations, pads,
                                out_spatial, groups, need_data=True, need_filter=True):
    """(dx, dkernel, dbias) of `conv_relu_max_pool_forward`; entries not asked for are None."""
    x = np.ascontiguousarray(x)
    kshape, out_ch = tuple(kernel.shape[:3]), kernel.shape[-1]
    weights = conv._kernel3(kernel)
    # relu's derivative at each window's winner (the pooled value is the winner's relu output),
    # and the bias gradient as the sum of what reaches the winners: one pass over the pooled arrays
    grad_rows = np.ascontiguousarray(grad_pooled, dtype=x.dtype).reshape(-1, out_ch)
    routed, db = activation_bias_grad(grad_rows, pooled.reshape(-1, out_ch), RELU)
    routed = routed.reshape(pooled.shape)
    plan = conv._plan(x.shape[0], out_spatial, kshape, x.shape[-1], out_ch, x.itemsize)
    dx = np.empty(x.shape, dtype=x.dtype) if need_data else None
    cells = math.prod(out_spatial)
    implicit_filter = need_filter and conv.IMPLICIT_FILTER_GRAD and conv.implicit_plan(
        x.shape, kernel.shape, x.dtype, strides, dilations, pads, out_spatial, groups, for_data=False)
    implicit_data = need_data and x.shape[-1] >= conv.MIN_IMPLICIT_WIDTH and conv.implicit_plan(
        x.shape, kernel.shape, x.dtype, strides, dilations, pads, out_spatial, groups)
    winograd_filter = need_filter and conv.winograd_plan(x.shape, kernel.shape, x.dtype, strides, dilations, pads,
                                                         out_spatial, groups, part="filter")
    winograd_data = need_data and conv.winograd_plan(x.shape, kernel.shape, x.dtype, strides, dilations, pads,
                                                     out_spatial, groups, part="data")
    implicit_data = implicit_data and not winograd_data
    packed = conv_implicit.pack_taps(conv_implicit.data_grad_kernel(kernel[0])) if implicit_data else None
    if winograd_data:
        packed = conv_winograd.transform_data_kernel(kernel[0])
    if winograd_data or winograd_filter:
        plan = conv._whole_ranges(plan)
    sums = {}

    def work(parts):
        dk = None
        for part in parts:
            count = part.stop - part.start
            dz = np.empty((count, cells, out_ch), dtype=x.dtype)
            pooling._max_pool_backward_into(routed[part], winners[part], dz)
            grid = dz.reshape((count,) + tuple(out_spatial[1:]) + (out_ch,)) if out_spatial[0] == 1 else None
            dz = dz.reshape(-1, out_ch)
            if winograd_filter:
                dk_part = np.empty(kernel.shape[1:], dtype=x.dtype)
                conv_winograd.winograd_filter_grad(x[part, 0], grid, pads[1], pads[2], dk_part)
                dk = dk_part if dk is None else dk + dk_part
            elif implicit_filter:
                dk_part = np.empty(kernel.shape[1:], dtype=x.dtype)
                conv_implicit.implicit_filter_grad(x[part, 0], grid, kshape[1], kshape[2], pads[1], pads[2], dk_part,
                                                   strides[1:])
                dk = dk_part if dk is None else dk + dk_part
            elif need_filter:
                cols = conv._columns(x[part], kshape, strides, dilations, pads, out_spatial)
                dk_part = conv._filter_grad_part(cols, dz, weights, groups)
                dk = dk_part if dk is None else dk + dk_part
            if winograd_data:
                conv_winograd.winograd_data_grad(grid, packed, pads[1], pads[2], dx[part, 0])
            elif implicit_data:
                conv_implicit.implicit_conv(grid, packed, kshape[1], kshape[1] - 1 - pads[1], kshape[2] - 1 - pads[2],
                                            dx[part, 0])
            elif need_data:
                conv._data_grad_part(dz, weights, groups, (strides, dilations, pads), out_spatial, kshape, dx[part])
        sums[parts[0].start] = dk

    conv._run_plan(plan, work)
    dk = None
    for start in sorted(sums):
        if sums[start] is not None:
            dk = sums[start] if dk is None else dk + sums[start]
    return dx, (dk.reshape(kernel.shape) if need_filter else None), (db if has_bias else None)
