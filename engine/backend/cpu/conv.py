"""Convolution kernels (CPU): forward, backward-data and backward-filter, channels-last.

Every spatial rank is handled as 3-D: 1-D and 2-D inputs are given unit leading spatial
axes by the caller, so `x` is (batch, D, H, W, in_channels) and `kernel` is
(KD, KH, KW, in_channels // groups, out_channels), the Keras kernel layout.
Geometry is passed as 3-tuples: `strides`, `dilations` and `pads` (cells of zero padding
before each spatial axis; padding after an axis is implied by the output size).

The strategy is im2col + one BLAS GEMM per group: numba gathers the receptive fields into
a (positions, taps * channels) matrix, numpy's BLAS multiplies.
Backward-data is the GEMM with the transposed kernel followed by col2im (a scatter-add).
The batch is split over threads (`parallel.over_rows`), each running im2col, GEMM and
col2im on its own samples with single-threaded BLAS: numba's parallel launch cost 5-20x
more than these memory-bound loops on the 2-core target, and multi-threaded BLAS on these
shapes lost 2-5x when the cores were busy. Within a thread the samples are processed in
chunks so the column matrices never exceed COLUMN_BUDGET_BYTES.  Transposed
convolution is exactly `conv_backward_data`, so it needs no kernels of its own.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu import parallel
from engine.backend.cpu.blas import single_threaded


@njit(cache=True, nogil=True)
def _im2col(x, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow):
    n_batch, in_d, in_h, in_w, chans = x.shape
    cols = np.zeros((n_batch, od, oh, ow, kd, kh, kw, chans), dtype=x.dtype)
    for job in range(n_batch * od):
        n = job // od
        z = job % od
        for y in range(oh):
            for x_ in range(ow):
                for a in range(kd):
                    iz = z * sd - pd + a * dd
                    if iz < 0 or iz >= in_d:
                        continue
                    for b in range(kh):
                        iy = y * sh - ph + b * dh
                        if iy < 0 or iy >= in_h:
                            continue
                        for c in range(kw):
                            ix = x_ * sw - pw + c * dw
                            if ix < 0 or ix >= in_w:
                                continue
                            for ch in range(chans):
                                cols[n, z, y, x_, a, b, c, ch] = x[n, iz, iy, ix, ch]
    return cols


@njit(cache=True, nogil=True)
def _col2im(cols, in_d, in_h, in_w, sd, sh, sw, dd, dh, dw, pd, ph, pw):
    n_batch, od, oh, ow, kd, kh, kw, chans = cols.shape
    out = np.zeros((n_batch, in_d, in_h, in_w, chans), dtype=cols.dtype)
    for n in range(n_batch):
        for z in range(od):
            for a in range(kd):
                iz = z * sd - pd + a * dd
                if iz < 0 or iz >= in_d:
                    continue
                for y in range(oh):
                    for b in range(kh):
                        iy = y * sh - ph + b * dh
                        if iy < 0 or iy >= in_h:
                            continue
                        for x_ in range(ow):
                            for c in range(kw):
                                ix = x_ * sw - pw + c * dw
                                if ix < 0 or ix >= in_w:
                                    continue
                                for ch in range(chans):
                                    out[n, iz, iy, ix, ch] += cols[n, z, y, x_, a, b, c, ch]
    return out


def _columns(x, kernel_shape, strides, dilations, pads, out_spatial):
    kd, kh, kw = kernel_shape
    return _im2col(np.ascontiguousarray(x), kd, kh, kw, *strides, *dilations, *pads, *out_spatial)


def _is_pointwise(kernel_shape, strides, pads):
    return tuple(kernel_shape) == (1, 1, 1) and tuple(strides) == (1, 1, 1) and tuple(pads) == (0, 0, 0)


def _forward_chunk(x, kernel, strides, dilations, pads, out_spatial, groups=1):
    """y[n, o, f] = sum over taps and the group's channels of x[n, o*s - p + t*d, c] * kernel[t, c, f].

    `out_spatial` is the (D, H, W) size of the output; cells read outside `x` are zero.
    """
    kshape = kernel.shape[:3]
    n_batch, in_ch = x.shape[0], x.shape[-1]
    out_ch = kernel.shape[-1]
    if _is_pointwise(kshape, strides, pads) and tuple(out_spatial) == tuple(x.shape[1:4]):
        cols = np.ascontiguousarray(x).reshape(-1, 1, in_ch)
    else:
        cols = _columns(x, kshape, strides, dilations, pads, out_spatial)
    positions = n_batch * int(np.prod(out_spatial))
    taps = int(np.prod(kshape))
    cols = cols.reshape(positions, taps, in_ch)
    return _grouped_matmul(cols, kernel.reshape(taps, in_ch // groups, out_ch), groups).reshape(
        (n_batch,) + tuple(out_spatial) + (out_ch,))


def _grouped_matmul(cols, weights, groups):
    positions, taps, in_ch = cols.shape
    cg = in_ch // groups
    out_ch = weights.shape[-1]
    og = out_ch // groups
    if groups == 1:
        return np.dot(cols.reshape(positions, taps * in_ch), weights.reshape(taps * in_ch, out_ch))
    out = np.empty((positions, out_ch), dtype=cols.dtype)
    for g in range(groups):
        lhs = np.ascontiguousarray(cols[:, :, g * cg:(g + 1) * cg]).reshape(positions, taps * cg)
        rhs = np.ascontiguousarray(weights[:, :, g * og:(g + 1) * og]).reshape(taps * cg, og)
        out[:, g * og:(g + 1) * og] = np.dot(lhs, rhs)
    return out


def _backward_data_chunk(grad_out, kernel, in_spatial, strides, dilations, pads, groups=1):
    kshape = kernel.shape[:3]
    n_batch = grad_out.shape[0]
    out_spatial = grad_out.shape[1:4]
    out_ch = kernel.shape[-1]
    cg = kernel.shape[3]
    in_ch = cg * groups
    og = out_ch // groups
    taps = int(np.prod(kshape))
    positions = n_batch * int(np.prod(out_spatial))
    g2 = np.ascontiguousarray(grad_out).reshape(positions, out_ch)
    w = kernel.reshape(taps, cg, out_ch)
    if groups == 1:
        dcols = np.dot(g2, w.reshape(taps * cg, out_ch).T)
    else:
        dcols = np.empty((positions, taps, in_ch), dtype=grad_out.dtype)
    for g in range(groups if groups > 1 else 0):
        wg = np.ascontiguousarray(w[:, :, g * og:(g + 1) * og]).reshape(taps * cg, og)
        gg = g2 if groups == 1 else np.ascontiguousarray(g2[:, g * og:(g + 1) * og])
        dcols[:, :, g * cg:(g + 1) * cg] = np.dot(gg, wg.T).reshape(positions, taps, cg)
    if _is_pointwise(kshape, strides, pads) and tuple(out_spatial) == tuple(in_spatial):
        return dcols.reshape((n_batch,) + tuple(in_spatial) + (in_ch,))
    dcols = dcols.reshape((n_batch,) + tuple(out_spatial) + tuple(kshape) + (in_ch,))
    return _col2im(dcols, *in_spatial, *strides, *dilations, *pads)


def _backward_filter_chunk(x, grad_out, kernel_shape, strides, dilations, pads, groups=1):
    kshape = tuple(kernel_shape[:3])
    cg, out_ch = kernel_shape[3], kernel_shape[4]
    n_batch, in_ch = x.shape[0], x.shape[-1]
    out_spatial = grad_out.shape[1:4]
    og = out_ch // groups
    taps = int(np.prod(kshape))
    positions = n_batch * int(np.prod(out_spatial))
    if _is_pointwise(kshape, strides, pads) and tuple(out_spatial) == tuple(x.shape[1:4]):
        cols = np.ascontiguousarray(x).reshape(positions, 1, in_ch)
    else:
        cols = _columns(x, kshape, strides, dilations, pads, out_spatial).reshape(positions, taps, in_ch)
    g2 = np.ascontiguousarray(grad_out).reshape(positions, out_ch)
    grad_kernel = np.empty((taps, cg, out_ch), dtype=x.dtype)
    for g in range(groups):
        lhs = cols.reshape(positions, taps * in_ch) if groups == 1 else \
            np.ascontiguousarray(cols[:, :, g * cg:(g + 1) * cg]).reshape(positions, taps * cg)
        gg = g2 if groups == 1 else np.ascontiguousarray(g2[:, g * og:(g + 1) * og])
        grad_kernel[:, :, g * og:(g + 1) * og] = np.dot(lhs.T, gg).reshape(taps, cg, og)
    return grad_kernel.reshape(kshape + (cg, out_ch))


# The column matrices of the chunks being processed at once stay under this many bytes.
COLUMN_BUDGET_BYTES = 64 * 2**20
# A thread gets at least this many multiply-adds of GEMM work (fewer are not worth a thread).
MIN_MACS_PER_THREAD = 2**21


def _per_sample_macs(out_spatial, kernel_shape, in_channels, out_channels):
    return int(np.prod(out_spatial)) * int(np.prod(kernel_shape[:3])) * in_channels * max(out_channels, 1)


def _batch_chunks(rows, out_spatial, kernel_shape, in_channels, itemsize, threads=1):
    """Slices of `rows` (a slice of the batch, or a batch size) whose column matrices fit this
    thread's share of COLUMN_BUDGET_BYTES."""
    if not isinstance(rows, slice):
        rows = slice(0, int(rows))
    per_sample = int(np.prod(out_spatial)) * int(np.prod(kernel_shape[:3])) * in_channels * itemsize
    step = max(1, COLUMN_BUDGET_BYTES // max(threads, 1) // max(per_sample, 1))
    return [slice(start, min(start + step, rows.stop)) for start in range(rows.start, rows.stop, step)]


def _over_batch(work, n_batch, out_spatial, kernel_shape, in_channels, out_channels):
    """Run work(rows, threads) over disjoint batch ranges on up to `parallel.threads()`
    threads, each with single-threaded BLAS (see `parallel.over_rows`)."""
    macs = _per_sample_macs(out_spatial, kernel_shape, in_channels, out_channels)
    min_rows = max(1, -(-MIN_MACS_PER_THREAD // max(macs, 1)))
    slices = parallel.row_slices(n_batch, min_rows=min_rows)
    with single_threaded():
        parallel.over_rows(lambda rows: work(rows, len(slices)), n_batch, min_rows=min_rows)


def conv_forward(x, kernel, strides, dilations, pads, out_spatial, groups=1):
    """y[n, o, f] = sum over taps and the group's channels of x[n, o*s - p + t*d, c] * kernel[t, c, f].

    `out_spatial` is the (D, H, W) size of the output; cells read outside `x` are zero.
    The batch is split over threads and, within a thread, into chunks whose column
    matrices stay under COLUMN_BUDGET_BYTES.
    """
    out = np.empty((x.shape[0],) + tuple(out_spatial) + (kernel.shape[-1],), dtype=x.dtype)

    def work(rows, threads):
        for part in _batch_chunks(rows, out_spatial, kernel.shape, x.shape[-1], x.itemsize, threads):
            out[part] = _forward_chunk(x[part], kernel, strides, dilations, pads, out_spatial, groups)

    _over_batch(work, x.shape[0], out_spatial, kernel.shape, x.shape[-1], kernel.shape[-1])
    return out


def conv_backward_data(grad_out, kernel, in_spatial, strides, dilations, pads, groups=1):
    """Gradient of `conv_forward` with respect to x, for an input of spatial size `in_spatial`.

    This is also the transposed convolution of `grad_out` with `kernel`.
    """
    in_ch = kernel.shape[3] * groups
    out = np.empty((grad_out.shape[0],) + tuple(in_spatial) + (in_ch,), dtype=grad_out.dtype)

    def work(rows, threads):
        for part in _batch_chunks(rows, grad_out.shape[1:4], kernel.shape, in_ch, grad_out.itemsize, threads):
            out[part] = _backward_data_chunk(grad_out[part], kernel, in_spatial, strides, dilations, pads, groups)

    _over_batch(work, grad_out.shape[0], grad_out.shape[1:4], kernel.shape, in_ch, kernel.shape[-1])
    return out


def conv_backward_filter(x, grad_out, kernel_shape, strides, dilations, pads, groups=1):
    """Gradient of `conv_forward` with respect to the kernel (shape `kernel_shape`).

    Each thread sums its rows' chunks; the threads' sums are added in batch order."""
    partial = {}

    def work(rows, threads):
        total = None
        for part in _batch_chunks(rows, grad_out.shape[1:4], kernel_shape, x.shape[-1], x.itemsize, threads):
            grad = _backward_filter_chunk(x[part], grad_out[part], kernel_shape, strides, dilations, pads, groups)
            total = grad if total is None else total + grad
        partial[rows.start] = total

    _over_batch(work, x.shape[0], grad_out.shape[1:4], kernel_shape, x.shape[-1], kernel_shape[-1])
    sums = [partial[start] for start in sorted(partial)]
    total = sums[0]
    for more in sums[1:]:
        total = total + more
    return total


def _warm(dtype):
    def job():
        x = np.ones((1, 1, 3, 3, 2), dtype=dtype)
        _im2col(x, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 2, 2)
        cols = np.ones((1, 1, 2, 2, 1, 2, 2, 2), dtype=dtype)
        _col2im(cols, 1, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0)
    return job


WARMUP = (_warm(np.float32), _warm(np.float64))
