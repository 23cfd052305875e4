"""Convolution ops (channels-last), each with its forward and backward.

`conv`, `conv_transpose`, `depthwise_conv` and `separable_conv` follow `keras.ops`: the
kernel layout is Keras's ((*kernel_size, in_channels // groups, out_channels) for `conv`,
(*kernel_size, out_channels, in_channels) for `conv_transpose`), padding is "valid" or
"same" (plus "causal" for 1-D `conv`), and output sizes match Keras. The heavy lifting is
done by the backend kernels `conv_forward`, `conv_backward_data` and `conv_backward_filter`.
"""

from __future__ import annotations

import numpy as np

from engine.autodiff.function import record
from engine.autodiff.tensor import convert

# Only the keras.ops names are exported; the size helpers are imported from this module.
__all__ = ["conv", "conv_transpose", "depthwise_conv", "separable_conv", "conv_bias_activation",
           "depthwise_conv_bias_activation"]


def _backend(array):
    from engine.backend import backend_of

    return backend_of(array)


def common_backend(*arrays):
    """The backend for a kernel call on `arrays` and the arrays moved onto it.

    A device array wins over host arrays (e.g. host placeholder data with device weights).
    """
    backends = [_backend(a) for a in arrays]
    chosen = next((b for b in backends if b.name != "cpu"), backends[0])
    return chosen, [a if chosen.owns(a) else chosen.asarray(a) for a in arrays]


def _tuple(value, rank, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"{name} must have {rank} values. Received: {name}={value}")
    return value


def same_padding(size, kernel, stride, dilation=1):
    """(before, after) padding that gives ceil(size / stride) outputs; the odd cell goes after."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def axis_padding(padding, size, kernel, stride, dilation=1):
    """(before, after) padding of one spatial axis for "valid", "same" or "causal"."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return same_padding(size, kernel, stride, dilation)
    if padding == "causal":
        return (kernel - 1) * dilation, 0
    raise ValueError(f"padding must be 'valid', 'same' or 'causal'. Received: padding={padding!r}")


def conv_output_length(size, kernel, padding, stride, dilation=1):
    """Output size along one axis (None stays None)."""
    if size is None:
        return None
    before, after = axis_padding(padding, size, kernel, stride, dilation)
    effective = (kernel - 1) * dilation + 1
    return (size + before + after - effective) // stride + 1


def conv_transpose_padding(size, kernel, stride, padding, output_padding, dilation=1):
    """(pad_before of the adjoint forward conv, output size) of a transposed conv along one axis.

    The output is the one Keras 3 computes: "valid" gives (size-1)*stride + max(k, stride),
    "same" gives size*stride, and `output_padding` extends the output on the right.
    """
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        left, right = effective - 1, effective - 1 + extra
    elif padding == "same":
        if output_padding is None:
            total = stride + effective - 2
        else:
            total = effective + effective % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, effective - 1)
        right = total - left
    else:
        raise ValueError(f"padding must be 'valid' or 'same'. Received: padding={padding!r}")
    out = (size - 1) * stride + left + right - effective + 2
    return effective - 1 - left, out


def conv_transpose_output_length(size, kernel, padding, output_padding, stride, dilation=1):
    """Output size of a transposed conv along one axis (None stays None)."""
    if size is None:
        return None
    return conv_transpose_padding(size, kernel, stride, padding, output_padding, dilation)[1]


def _to3d(array, rank):
    """(batch, *spatial, channels) -> (batch, D, H, W, channels) with unit leading axes."""
    shape = array.shape
    return array.reshape((shape[0],) + (1,) * (3 - rank) + tuple(shape[1:]))


def _kernel3d(kernel, rank):
    return kernel.reshape((1,) * (3 - rank) + tuple(kernel.shape))


def _pad3(values, rank, fill):
    return (fill,) * (3 - rank) + tuple(values)


def _common(x, kernel, op_name):
    x, kernel = convert(x), convert(kernel)
    dtype = np.result_type(x.data.dtype, kernel.data.dtype)
    if dtype.kind != "f":
        dtype = np.dtype("float32")
    xd = x.data if x.data.dtype == dtype else x.data.astype(dtype)
    kd = kernel.data if kernel.data.dtype == dtype else kernel.data.astype(dtype)
    rank = xd.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{op_name}: inputs must have rank 3, 4 or 5 (batch, *spatial, channels). "
                         f"Received: inputs.shape={tuple(xd.shape)}")
    if kd.ndim != rank + 2:
        raise ValueError(f"{op_name}: kernel must have rank {rank + 2} for inputs of rank {xd.ndim}. "
                         f"Received: kernel.shape={tuple(kd.shape)}")
    return x, kernel, xd, kd, rank


def _conv_geometry(xd, kd, rank, strides, padding, dilation_rate):
    """(groups, (strides, dilations, pads) as 3-tuples, output spatial size) of a conv."""
    strides = _tuple(strides, rank, "strides")
    dilations = _tuple(dilation_rate, rank, "dilation_rate")
    padding = str(padding).lower()
    in_ch, kernel_ch, out_ch = xd.shape[-1], kd.shape[-2], kd.shape[-1]
    if kernel_ch <= 0 or in_ch < kernel_ch or in_ch % kernel_ch or out_ch % (in_ch // kernel_ch):
        raise ValueError(f"conv: input channels ({in_ch}) must be a multiple of the kernel's input channels "
                         f"({kernel_ch}), and output channels ({out_ch}) a multiple of the group count. "
                         f"Received: inputs.shape={tuple(xd.shape)}, kernel.shape={tuple(kd.shape)}")
    if padding == "causal" and rank != 1:
        raise ValueError(f"conv: padding='causal' is only for 1-D convolution. Received rank {rank}.")
    pads, out_spatial = [], []
    for size, k, s, d in zip(xd.shape[1:-1], kd.shape[:rank], strides, dilations):
        before, after = axis_padding(padding, size, k, s, d)
        pads.append(before)
        out_spatial.append((size + before + after - (k - 1) * d - 1) // s + 1)
    if min(out_spatial) <= 0:
        raise ValueError(f"conv: the kernel {tuple(kd.shape[:rank])} (dilation {dilations}) does not fit the "
                         f"input with padding={padding!r}. Received: inputs.shape={tuple(xd.shape)}")
    geometry = (_pad3(strides, rank, 1), _pad3(dilations, rank, 1), _pad3(pads, rank, 0))
    return in_ch // kernel_ch, geometry, tuple(out_spatial)


def _conv(inputs, kernel, strides=1, padding="valid", dilation_rate=1):
    x, kernel, xd, kd, rank = _common(inputs, kernel, "conv")
    groups, geometry, out_spatial = _conv_geometry(xd, kd, rank, strides, padding, dilation_rate)
    backend, (xd, kd) = common_backend(xd, kd)
    x3, k3 = _to3d(xd, rank), _kernel3d(kd, rank)
    out3d = _pad3(out_spatial, rank, 1)
    y = backend.conv_forward(x3, k3, *geometry, out3d, groups)
    out_shape = (xd.shape[0],) + out_spatial + (kd.shape[-1],)

    def backward(g):
        g3 = _to3d(g if g.dtype == xd.dtype else g.astype(xd.dtype), rank)
        gx = gk = None
        if x._needs_grad:
            gx = backend.conv_backward_data(g3, k3, x3.shape[1:4], *geometry, groups).reshape(xd.shape)
        if kernel._needs_grad:
            gk = backend.conv_backward_filter(x3, g3, k3.shape, *geometry, groups).reshape(kd.shape)
        return gx, gk

    return record(y.reshape(out_shape), (x, kernel), backward)


def conv_bias_activation(inputs, kernel, bias=None, activation="linear", strides=1, padding="valid",
                         dilation_rate=1):
    """activation(conv(inputs, kernel) + bias) as one op, channels-last; what Conv1D/2D/3D call.

    `activation` is one of `layer_ops.FUSED_ACTIVATIONS`. On the CPU the bias and activation run inside
    the convolution's threads, and the backward pass takes the activation's derivative from the
    output. Elsewhere (device arrays) it is the composition of conv, add and activation.
    """
    from engine.ops.layer_ops import FUSED_ACTIVATIONS

    if activation not in FUSED_ACTIVATIONS:
        raise ValueError(f"conv_bias_activation: activation must be one of {FUSED_ACTIVATIONS}. "
                         f"Received: {activation!r}")
    x, kernel, xd, kd, rank = _common(inputs, kernel, "conv")
    b = None if bias is None else convert(bias)
    on_host = all(isinstance(a, np.ndarray) for a in (xd, kd)) and (b is None or isinstance(b.data, np.ndarray))
    if not on_host:
        from engine import activations
        from engine.ops.math import add

        y = _conv(x, kernel, strides, padding, dilation_rate)
        return activations.get(activation)(y if b is None else add(y, b))
    groups, geometry, out_spatial = _conv_geometry(xd, kd, rank, strides, padding, dilation_rate)
    if b is not None and tuple(b.shape) != (kd.shape[-1],):
        raise ValueError(f"conv_bias_activation: bias must have shape ({kd.shape[-1]},). "
                         f"Received: bias.shape={tuple(b.shape)}")
    from engine.backend.cpu import conv as kernels
    from engine.backend.cpu.dense import ACTIVATION_CODES

    code = ACTIVATION_CODES[activation]
    bd = None if b is None else b.data
    x3, k3 = np.ascontiguousarray(_to3d(xd, rank)), np.ascontiguousarray(_kernel3d(kd, rank))
    y = kernels.conv_forward_fused(x3, k3, bd, code, *geometry, _pad3(out_spatial, rank, 1), groups)
    out_shape = (xd.shape[0],) + out_spatial + (kd.shape[-1],)

    def backward(g):
        g3 = _to3d(g if g.dtype == xd.dtype else g.astype(xd.dtype), rank)
        gx, gk, gb = kernels.conv_backward_fused(x3, y, g3, k3, code, b is not None, *geometry, groups,
                                                 need_data=x._needs_grad, need_filter=kernel._needs_grad)
        gx = None if gx is None else gx.reshape(xd.shape).astype(x.data.dtype, copy=False)
        gk = None if gk is None else gk.reshape(kd.shape)
        if gb is not None and b is not None:
            gb = gb.astype(b.data.dtype, copy=False)
        return gx, gk, gb

    return record(y.reshape(out_shape), (x, kernel, b), backward)


def _conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    x, kernel, xd, kd, rank = _common(inputs, kernel, "conv_transpose")
    strides = _tuple(strides, rank, "strides")
    dilations = _tuple(dilation_rate, rank, "dilation_rate")
    out_pads = [None] * rank if output_padding is None else list(_tuple(output_padding, rank, "output_padding"))
    padding = str(padding).lower()
    if xd.shape[-1] != kd.shape[-1]:
        raise ValueError(f"conv_transpose: the kernel's last axis ({kd.shape[-1]}) must equal the input channels "
                         f"({xd.shape[-1]}). Received: inputs.shape={tuple(xd.shape)}, kernel.shape={tuple(kd.shape)}")
    pads, out_spatial = [], []
    for size, k, s, d, op in zip(xd.shape[1:-1], kd.shape[:rank], strides, dilations, out_pads):
        before, length = conv_transpose_padding(size, k, s, padding, op, d)
        pads.append(before)
        out_spatial.append(length)
    if min(out_spatial) <= 0:
        raise ValueError(f"conv_transpose: output would be empty. Received: inputs.shape={tuple(xd.shape)}")
    geometry = (_pad3(strides, rank, 1), _pad3(dilations, rank, 1), _pad3(pads, rank, 0))
    backend, (xd, kd) = common_backend(xd, kd)
    x3, k3 = _to3d(xd, rank), _kernel3d(kd, rank)
    out3d = _pad3(out_spatial, rank, 1)
    y = backend.conv_backward_data(x3, k3, out3d, *geometry, 1)
    out_shape = (xd.shape[0],) + tuple(out_spatial) + (kd.shape[-2],)

    def backward(g):
        g3 = _to3d(g if g.dtype == xd.dtype else g.astype(xd.dtype), rank)
        gx = gk = None
        if x._needs_grad:
            gx = backend.conv_forward(g3, k3, *geometry, x3.shape[1:4], 1).reshape(xd.shape)
        if kernel._needs_grad:
            gk = backend.conv_backward_filter(g3, x3, k3.shape, *geometry, 1).reshape(kd.shape)
        return gx, gk

    return record(y.reshape(out_shape), (x, kernel), backward)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Each input channel convolved with its own `depth_multiplier` filters.

    kernel is (*kernel_size, in_channels, depth_multiplier); output channel c*m + j comes
    from input channel c and filter j.
    """
    return depthwise_conv_bias_activation(inputs, kernel, None, "linear", strides, padding, data_format,
                                          dilation_rate)


def depthwise_conv_bias_activation(inputs, kernel, bias=None, activation="linear", strides=1, padding="valid",
                                   data_format=None, dilation_rate=1):
    """activation(depthwise_conv(inputs, kernel) + bias) as one op; what DepthwiseConv1D/2D call.

    The depthwise kernel (*kernel_size, in_channels, depth_multiplier) is the grouped kernel
    (*kernel_size, 1, in_channels * depth_multiplier), which the CPU backend runs through its
    direct depthwise kernels (`engine/backend/cpu/conv_direct.py`).
    """
    from engine.ops.array import reshape

    kernel = convert(kernel)
    shape = kernel.shape
    grouped = reshape(kernel, tuple(shape[:-2]) + (1, shape[-2] * shape[-1]))
    return in_format(data_format, lambda x: conv_bias_activation(x, grouped, bias, activation, strides, padding,
                                                                 dilation_rate), inputs)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise conv followed by a 1x1 (pointwise) conv."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides=strides, padding=padding,
                               data_format=data_format, dilation_rate=dilation_rate)
    return conv(depthwise, pointwise_kernel, strides=1, padding="valid", data_format=data_format)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-d convolution; groups = in_channels // kernel.shape[-2] (grouped when > 1).

    kernel is (*kernel_size, in_channels // groups, out_channels); padding is "valid",
    "same" or (1-D only) "causal"; `data_format` may be "channels_first".
    """
    return in_format(data_format, lambda x: _conv(x, kernel, strides, padding, dilation_rate), inputs)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution (the adjoint of `conv`); kernel is (*kernel_size, out_channels, in_channels)."""
    return in_format(data_format, lambda x: _conv_transpose(x, kernel, strides, padding, output_padding,
                                                            dilation_rate), inputs)


def _check_format(data_format):
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError("data_format must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")


def in_format(data_format, fn, inputs):
    """fn(channels-last inputs), with channels_first inputs transposed there and back."""
    _check_format(data_format)
    if data_format != "channels_first":
        return fn(inputs)
    from engine.ops.array import transpose

    x = convert(inputs)
    rank = x.ndim
    y = fn(transpose(x, (0,) + tuple(range(2, rank)) + (1,)))
    return transpose(y, (0, rank - 1) + tuple(range(1, rank - 1)))
