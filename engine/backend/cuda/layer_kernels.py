"""CUDA versions of the CPU backend's layer kernels, with the same names and signatures.

`CudaBackend` looks names up here (`cuda_kernels`) before falling back to the CPU kernel.
Convolution is im2col on the device + the register-blocked GEMM of `nn_kernels`; its data
gradient is the GEMM with the transposed kernel followed by a gather-style col2im (no
atomics). Pooling runs one thread per output (forward) or input cell (average backward).
"""

from __future__ import annotations

import numpy as np

from engine.backend.cuda import nn_kernels
from engine.backend.cuda.device_array import DeviceArray


def _dev(value, dtype=None) -> DeviceArray:
    from engine.backend.cuda.dispatch import _to_device

    return _to_device(value, dtype)


def _launch(name, n, *args):
    if n <= 0:
        return
    from engine.backend.cuda.dispatch import device_args

    blocks, threads = nn_kernels.launch(n)
    nn_kernels.get(name)[blocks, threads](*device_args(args))


def gemm(a, b, trans_a=False, trans_b=False, out=None) -> DeviceArray:
    """op(a) @ op(b) for 2-D or batched 3-D operands (a batch of 1 broadcasts); float32/64.

    With `out` given, the product is added into it (used to accumulate gradients).
    """
    a, b = _dev(a), _dev(b)
    dtype = np.dtype(np.float32) if (a.dtype == np.float32 and b.dtype == np.float32) else np.dtype(np.float64)
    if a.dtype != dtype:
        a = a.astype(dtype)
    if b.dtype != dtype:
        b = b.astype(dtype)
    a_rows, a_cols = a.shape[-2:]
    b_rows, b_cols = b.shape[-2:]
    m, k = (a_cols, a_rows) if trans_a else (a_rows, a_cols)
    k2, n = (b_cols, b_rows) if trans_b else (b_rows, b_cols)
    if k != k2:
        raise ValueError(f"gemm: inner sizes differ ({k} != {k2}) for shapes {a.shape} and {b.shape}")
    a_batch = a.size // (m * k) if m * k else 1
    b_batch = b.size // (k * n) if k * n else 1
    batch = max(a_batch, b_batch)
    if a_batch not in (1, batch) or b_batch not in (1, batch):
        raise ValueError(f"gemm: batch sizes {a_batch} and {b_batch} do not broadcast")
    shape = ((batch,) if (a.ndim > 2 or b.ndim > 2) else ()) + (m, n)
    accumulate = out is not None
    if out is None:
        out = DeviceArray.empty(shape, dtype) if k else DeviceArray.full(shape, 0, dtype)
    if m and n and k:
        tile = nn_kernels.GEMM_TILE
        grid = ((n + tile - 1) // tile, (m + tile - 1) // tile, batch)
        threads = (nn_kernels.GEMM_THREADS, nn_kernels.GEMM_THREADS)
        kernel = nn_kernels.get("gemm32" if dtype == np.float32 else "gemm64")
        kernel[grid, threads](a.buffer, b.buffer, out.buffer, m, n, k,
                              m * k if a_batch > 1 else 0, k * n if b_batch > 1 else 0,
                              bool(trans_a), bool(trans_b), accumulate)
    return out


# -- convolution ---------------------------------------------------------------------------
def _is_pointwise(kshape, strides, pads, out_spatial, in_spatial):
    return (tuple(kshape) == (1, 1, 1) and tuple(strides) == (1, 1, 1) and tuple(pads) == (0, 0, 0)
            and tuple(out_spatial) == tuple(in_spatial))


def _im2col(x, kshape, strides, dilations, pads, out_spatial):
    n_batch, in_d, in_h, in_w, chans = x.shape
    positions = n_batch * int(np.prod(out_spatial))
    taps = int(np.prod(kshape))
    cols = DeviceArray.empty((positions, taps * chans), x.dtype)
    _launch("im2col", cols.size, x.buffer, cols.buffer, cols.size, in_d, in_h, in_w, chans, *kshape,
            *strides, *dilations, *pads, *out_spatial)
    return cols


def _columns(x, kshape, strides, dilations, pads, out_spatial):
    if _is_pointwise(kshape, strides, pads, out_spatial, x.shape[1:4]):
        return x.reshape(-1, x.shape[-1])
    return _im2col(x, kshape, strides, dilations, pads, out_spatial)


def _group_columns(cols, taps, in_ch, groups, g):
    """The (positions, taps * cg) columns of group g."""
    if groups == 1:
        return cols
    cg = in_ch // groups
    return cols.reshape(cols.shape[0], taps, in_ch)[:, :, g * cg:(g + 1) * cg].reshape(cols.shape[0], taps * cg)


def _last_axis_slice(a, start, stop):
    return a[..., start:stop]


def conv_forward(x, kernel, strides, dilations, pads, out_spatial, groups=1):
    """Same contract as `engine.backend.cpu.conv.conv_forward`, on DeviceArrays."""
    x, kernel = _dev(x), _dev(kernel, None)
    if kernel.dtype != x.dtype:
        kernel = kernel.astype(x.dtype)
    kshape = tuple(kernel.shape[:3])
    taps = int(np.prod(kshape))
    n_batch, in_ch = x.shape[0], x.shape[-1]
    out_ch = kernel.shape[-1]
    out_shape = (n_batch,) + tuple(out_spatial) + (out_ch,)
    cols = _columns(x, kshape, strides, dilations, pads, out_spatial)
    cg = in_ch // groups
    og = out_ch // groups
    w = kernel.reshape(taps * cg, out_ch)
    if groups == 1:
        return gemm(cols, w).reshape(out_shape)
    from engine.backend.cuda.dispatch import _concatenate

    parts = [gemm(_group_columns(cols, taps, in_ch, groups, g), _last_axis_slice(w, g * og, (g + 1) * og))
             for g in range(groups)]
    return _concatenate(parts, axis=-1).reshape(out_shape)


def _col2im(dcols, in_spatial, in_ch, kshape, strides, dilations, pads, out_spatial, n_batch):
    out = DeviceArray.empty((n_batch,) + tuple(in_spatial) + (in_ch,), dcols.dtype)
    _launch("col2im", out.size, dcols.buffer, out.buffer, out.size, *in_spatial, in_ch, *kshape, *strides,
            *dilations, *pads, *out_spatial)
    return out


def conv_backward_data(grad_out, kernel, in_spatial, strides, dilations, pads, groups=1):
    """Same contract as `engine.backend.cpu.conv.conv_backward_data` (also transposed conv)."""
    grad_out, kernel = _dev(grad_out), _dev(kernel)
    if kernel.dtype != grad_out.dtype:
        kernel = kernel.astype(grad_out.dtype)
    kshape = tuple(kernel.shape[:3])
    taps = int(np.prod(kshape))
    n_batch = grad_out.shape[0]
    out_spatial = tuple(grad_out.shape[1:4])
    out_ch = kernel.shape[-1]
    cg = kernel.shape[3]
    in_ch = cg * groups
    og = out_ch // groups
    positions = n_batch * int(np.prod(out_spatial))
    g2 = grad_out.reshape(positions, out_ch)
    w = kernel.reshape(taps * cg, out_ch)
    if groups == 1:
        dcols = gemm(g2, w, trans_b=True)
    else:
        from engine.backend.cuda.dispatch import _concatenate

        parts = [gemm(_last_axis_slice(g2, g * og, (g + 1) * og), _last_axis_slice(w, g * og, (g + 1) * og),
                      trans_b=True).reshape(positions, taps, cg) for g in range(groups)]
        dcols = _concatenate(parts, axis=2).reshape(positions, taps * in_ch)
    if _is_pointwise(kshape, strides, pads, out_spatial, in_spatial):
        return dcols.reshape((n_batch,) + tuple(in_spatial) + (in_ch,))
    return _col2im(dcols, tuple(in_spatial), in_ch, kshape, strides, dilations, pads, out_spatial, n_batch)


def conv_backward_filter(x, grad_out, kernel_shape, strides, dilations, pads, groups=1):
    """Same contract as `engine.backend.cpu.conv.conv_backward_filter`."""
    x, grad_out = _dev(x), _dev(grad_out)
    if grad_out.dtype != x.dtype:
        grad_out = grad_out.astype(x.dtype)
    kshape = tuple(kernel_shape[:3])
    cg, out_ch = kernel_shape[3], kernel_shape[4]
    taps = int(np.prod(kshape))
    in_ch = x.shape[-1]
    og = out_ch // groups
    out_spatial = tuple(grad_out.shape[1:4])
    positions = grad_out.size // out_ch
    cols = _columns(x, kshape, strides, dilations, pads, out_spatial)
    g2 = grad_out.reshape(positions, out_ch)
    if groups == 1:
        return gemm(cols, g2, trans_a=True).reshape(tuple(kernel_shape))
    from engine.backend.cuda.dispatch import _concatenate

    parts = [gemm(_group_columns(cols, taps, in_ch, groups, g), _last_axis_slice(g2, g * og, (g + 1) * og),
                  trans_a=True).reshape(taps, cg, og) for g in range(groups)]
    return _concatenate(parts, axis=2).reshape(tuple(kernel_shape))


# -- pooling ---------------------------------------------------------------------------------
def max_pool_forward(x, pool_size, strides, pads, out_spatial):
    """Window maxima and the flat spatial index of each winner (CPU contract)."""
    x = _dev(x)
    n_batch, in_d, in_h, in_w, chans = x.shape
    shape = (n_batch,) + tuple(out_spatial) + (chans,)
    out = DeviceArray.empty(shape, x.dtype)
    where = DeviceArray.empty(shape, np.int64)
    _launch("max_pool", out.size, x.buffer, out.buffer, where.buffer, out.size, in_d, in_h, in_w, chans,
            *pool_size, *strides, *pads, *out_spatial)
    return out, where


def max_pool_backward(grad_out, argmax, in_spatial):
    """Route each output gradient to the input cell that won its window (atomic adds)."""
    grad_out, argmax = _dev(grad_out), _dev(argmax)
    n_batch, chans = grad_out.shape[0], grad_out.shape[-1]
    cells = int(np.prod(in_spatial))
    grad_in = DeviceArray.full((n_batch,) + tuple(in_spatial) + (chans,), 0, grad_out.dtype)
    out_cells = int(np.prod(grad_out.shape[1:4]))
    _launch("max_pool_backward", grad_out.size, grad_out.buffer, argmax.buffer, grad_in.buffer, grad_out.size,
            cells, chans, out_cells)
    return grad_in


def avg_pool_forward(x, pool_size, strides, pads, out_spatial):
    """Window means over the real (unpadded) cells."""
    x = _dev(x)
    n_batch, in_d, in_h, in_w, chans = x.shape
    out = DeviceArray.empty((n_batch,) + tuple(out_spatial) + (chans,), x.dtype)
    _launch("avg_pool", out.size, x.buffer, out.buffer, out.size, in_d, in_h, in_w, chans, *pool_size,
            *strides, *pads, *out_spatial)
    return out


def avg_pool_backward(grad_out, in_spatial, pool_size, strides, pads):
    """Each input cell gathers the gradient share of every window that contains it."""
    grad_out = _dev(grad_out)
    n_batch, chans = grad_out.shape[0], grad_out.shape[-1]
    grad_in = DeviceArray.empty((n_batch,) + tuple(in_spatial) + (chans,), grad_out.dtype)
    _launch("avg_pool_backward", grad_in.size, grad_out.buffer, grad_in.buffer, grad_in.size, *in_spatial, chans,
            *pool_size, *strides, *pads, *grad_out.shape[1:4])
    return grad_in
