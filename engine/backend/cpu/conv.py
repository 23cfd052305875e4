"""Convolution kernels (CPU): forward, backward-data and backward-filter, channels-last.

Every spatial rank is handled as 3-D: 1-D and 2-D inputs are given unit leading spatial
axes by the caller, so `x` is (batch, D, H, W, in_channels) and `kernel` is
(KD, KH, KW, in_channels // groups, out_channels), the Keras kernel layout.
Geometry is passed as 3-tuples: `strides`, `dilations` and `pads` (cells of zero padding
before each spatial axis; padding after an axis is implied by the output size).

The strategy is im2col + one BLAS GEMM per group: numba gathers the receptive fields into
a (positions, taps * channels) matrix, numpy's BLAS multiplies. Inputs with fewer than
TAP_GATHER_MAX_CHANNELS channels (a grey or RGB image) are gathered one tap at a time with
numpy strided copies instead: the compiled walk pays a fixed cost per tap per position,
which dominates when a tap is one or three numbers (28x28x1 input, 3x3 taps, 43 samples:
2.6 ms walk, 0.3 ms by tap). Backward-data is the GEMM with the transposed kernel
followed by col2im (a scatter-add).

`conv_forward_fused` and `conv_backward_fused` also apply the bias and an activation
(forward, in place on each part's output) and its derivative with the bias sum
(backward), so a Conv layer with a relu is one op on the tape, not three.

The batch is split over threads (`parallel.over_rows`), each running im2col, GEMM and
col2im on its own samples with single-threaded BLAS: numba's parallel launch cost 5-20x
more than these memory-bound loops on the 2-core target, and multi-threaded BLAS on these
shapes lost 2-5x when the cores were busy. Within a thread the samples go in parts
whose column matrix fits PART_COLUMN_BYTES, small enough to stay in cache between the
gather and the GEMM; the backward pass gathers a part's columns again rather than keeping
the forward ones (in cache that costs less than storing and re-reading them). Transposed
convolution is exactly `conv_backward_data`, so it needs no kernels of its own.

Fast paths: depthwise convs take the direct kernels of `conv_direct`; 3x3 stride-1 float32 convs
with 16 or more channels take the Winograd kernels of `conv_winograd` (`winograd_plan` says when);
other float32 convs with a
kernel wider than 1x1 take the implicit GEMM of `conv_implicit` for the forward pass and filter
gradient at any stride, and for the data gradient at stride 1 (`implicit_plan` says when; a
strided conv's data gradient stays on col2im: computed phase by phase as stride-1 implicit convs
it measured 1.05-1.1x slower, its small sub-kernels and the strided scatter costing more than
col2im); float32 1x1 convs take its register-tiled GEMM (`pointwise_gemm`). (The 1x1 filter
gradient through the implicit filter-gradient kernel was measured and dropped, when that kernel
still transposed the image into channel planes: 1.3-5x slower than np.dot.)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

from engine.backend.cpu import conv_direct, conv_implicit, conv_winograd, parallel
from engine.backend.cpu.blas import single_threaded
from engine.backend.cpu.dense import activation_bias_grad, bias_activation


@njit(cache=True, nogil=True, inline="always")
def _move_run(cells, flat, at, pos, count, scatter):
    """flat[pos:pos+count] = cells[at:at+count], or with `scatter` cells[at:...] += flat[pos:...].
    Unsigned indices: numba's wraparound of negative signed ones keeps LLVM from vectorizing."""
    cell, col = uint64(at), uint64(pos)
    if scatter:
        for i in range(uint64(count)):
            cells[cell + i] += flat[col + i]
    else:
        for i in range(uint64(count)):
            flat[col + i] = cells[cell + i]


@njit(cache=True, nogil=True)
def _column_walk(image, cols, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow, scatter):
    """Visit every output position's receptive field in `image` (batch, D, H, W, channels).

    Gathering (`scatter` False, im2col) fills `cols` (positions, taps * channels) with the
    cells, zeros where a tap falls in the padding. Scattering (col2im) zeroes `image` and
    adds `cols` back onto the cells each tap read, dropping padding taps. A window row that
    lies inside the input (dilation 1) is one contiguous run of kw * channels in both
    arrays, copied or added in one loop. Loops index with unsigned integers: numba's
    wraparound of negative (signed) indices keeps LLVM from vectorizing them (the scatter-add
    ran 2.4x, the gather 2x faster once unsigned).
    """
    n_batch, in_d, in_h, in_w, chans = image.shape
    cells = image.reshape(-1)
    flat = cols.reshape(-1)
    if scatter:
        cells[:] = 0
    run = kw * chans
    pos = 0
    for n in range(n_batch):
        for z in range(od):
            for y in range(oh):
                for x_ in range(ow):
                    x0 = x_ * sw - pw
                    whole = dw == 1 and x0 >= 0 and x0 + kw <= in_w
                    for a in range(kd):
                        iz = z * sd - pd + a * dd
                        for b in range(kh):
                            iy = y * sh - ph + b * dh
                            inside = 0 <= iz < in_d and 0 <= iy < in_h
                            line = ((n * in_d + iz) * in_h + iy) * in_w
                            if inside and whole:
                                at = (line + x0) * chans
                                _move_run(cells, flat, at, pos, run, scatter)
                                pos += run
                                continue
                            for c in range(kw):
                                ix = x0 + c * dw
                                if inside and 0 <= ix < in_w:
                                    _move_run(cells, flat, (line + ix) * chans, pos, chans, scatter)
                                elif not scatter:
                                    flat[pos:pos + chans] = 0
                                pos += chans


def _pointwise_cells(image, kernel_shape, strides, pads, out_spatial):
    """For a 1x1 conv without padding, the view of `image` (batch, D, H, W, channels) whose cells
    are the output positions (every stride-th cell); None for any other conv. A 1x1 conv is
    then one GEMM over these rows, with no im2col (ResNet bottlenecks, MobileNet's expand
    and project convs, strided shortcuts)."""
    if tuple(kernel_shape) != (1, 1, 1) or tuple(pads) != (0, 0, 0):
        return None
    (sd, sh, sw), (od, oh, ow) = strides, out_spatial
    return image[:, 0:od * sd:sd, 0:oh * sh:sh, 0:ow * sw:sw]


# Inputs with fewer channels than this are gathered tap by tap with numpy (see above).
TAP_GATHER_MAX_CHANNELS = 8


def _columns(x, kshape, strides, dilations, pads, out_spatial):
    """The im2col matrix of `x`, (positions, taps * channels); for a 1x1 conv, `x`'s output cells
    (`x` itself at stride 1)."""
    n_batch, chans = x.shape[0], x.shape[-1]
    x = np.ascontiguousarray(x)
    cells = _pointwise_cells(x, kshape, strides, pads, out_spatial)
    if cells is not None:
        return np.ascontiguousarray(cells).reshape(-1, chans)
    cols = np.empty((n_batch * math.prod(out_spatial), math.prod(kshape) * chans), dtype=x.dtype)
    if chans < TAP_GATHER_MAX_CHANNELS:
        _gather_by_tap(x, kshape, strides, dilations, pads, out_spatial, cols)
    else:
        _column_walk(x, cols, *kshape, *strides, *dilations, *pads, *out_spatial, False)
    return cols


def _gather_by_tap(x, kshape, strides, dilations, pads, out_spatial, cols):
    """im2col with one strided numpy copy per tap, over a zero-padded copy of `x` when the
    windows reach past its edges."""
    spatial = x.shape[1:4]
    reach = [(o - 1) * s + (k - 1) * d + 1 for o, s, k, d in zip(out_spatial, strides, kshape, dilations)]
    after = [max(0, r - p - size) for r, p, size in zip(reach, pads, spatial)]
    if any(pads) or any(after):
        x = np.pad(x, ((0, 0),) + tuple(zip(pads, after)) + ((0, 0),))
    by_tap = cols.reshape((x.shape[0],) + tuple(out_spatial) + (math.prod(kshape), x.shape[-1]))
    tap = 0
    for a in range(kshape[0]):
        for b in range(kshape[1]):
            for c in range(kshape[2]):
                window = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                               for t, d, o, s in zip((a, b, c), dilations, out_spatial, strides))
                by_tap[:, :, :, :, tap, :] = x[(slice(None),) + window]
                tap += 1


def _group_slices(cols, weights, groups):
    """Per group g: the group's columns (positions, taps * cg) and weights (taps * cg, og).

    `cols` is (positions, taps * in_ch), `weights` (taps, cg, out_ch)."""
    positions = cols.shape[0]
    taps, cg, out_ch = weights.shape
    if groups == 1:
        yield slice(0, out_ch), cols, weights.reshape(taps * cg, out_ch)
        return
    og = out_ch // groups
    by_tap = cols.reshape(positions, taps, cg * groups)
    for g in range(groups):
        lhs = np.ascontiguousarray(by_tap[:, :, g * cg:(g + 1) * cg]).reshape(positions, taps * cg)
        rhs = np.ascontiguousarray(weights[:, :, g * og:(g + 1) * og]).reshape(taps * cg, og)
        yield slice(g * og, (g + 1) * og), lhs, rhs


# Stride-1 float32 convs with a kernel wider than 1x1 take the implicit GEMM of `conv_implicit`
# (forward and data gradient); False sends them through im2col + GEMM (A/B measurements, tests).
IMPLICIT_GEMM = True
# ... and their filter gradient too (`conv_implicit.implicit_filter_grad`); False: im2col + np.dot.
IMPLICIT_FILTER_GRAD = True
# The implicit forward / data gradient computes whole 16-wide panels of outputs: a product fewer
# than this many channels wide (the data gradient of an RGB input) wastes most of them.
MIN_IMPLICIT_WIDTH = 8
# The forward pass and filter gradient (`conv_implicit`'s gather tile computes only real output cells)
# take any stride and grid. The data gradient (a stride-1 conv of the output gradient) computes every
# cell of the padded grid: a small valid-padded image whose grid has 40% more cells than outputs
# (13x13 -> 11x11, W2's second conv) lost 1.2-1.5x to col2im there, so it needs the grid within
# MAX_PADDED_GRID of the outputs. Measured (2 threads, 64 samples, fwd / bwd ms, implicit vs
# im2col): W2's 28x28x1 -> 32 0.5 / 0.7-1.5 vs 1.2 / 1.8-2.5; 13x13x32 -> 64 1.8 / 4.8 vs 2.1 / 4.7
# (im2col data gradient); W6's 3x3 stride-2 32x32x16 -> 32 1.3 vs 4.0 forward.
WHOLE_POINTWISE_FILTER = True
MAX_PADDED_GRID = 1.3


def implicit_plan(x_shape, kernel_shape, dtype, strides, dilations, pads, out_spatial, groups, for_data=True):
    """Whether this conv takes `conv_implicit`: float32, one group, dilation 1, a 1-D or 2-D kernel
    (KD == 1) other than 1x1. For the data gradient (`for_data`) also stride 1, a padded grid within
    MAX_PADDED_GRID of the outputs and no output cell beyond the padded input's reach; the forward
    pass and filter gradient (`for_data` False) take any stride and grid."""
    if not IMPLICIT_GEMM or np.dtype(dtype) != np.float32 or groups != 1 or kernel_shape[0] != 1:
        return False
    if tuple(dilations) != (1, 1, 1) or pads[0] != 0 or x_shape[1] != 1:
        return False
    kh, kw = kernel_shape[1], kernel_shape[2]
    if (kh, kw) == (1, 1):
        return False
    if not for_data:
        return True
    if tuple(strides[1:]) != (1, 1):
        return False
    _, oh, ow = out_spatial
    if (oh + kh - 1) * (ow + kw - 1) > MAX_PADDED_GRID * oh * ow:
        return False
    # padding after each axis within [0, k - 1] too, so the data gradient's padding is valid
    return (x_shape[2] + pads[1] <= oh + kh - 1 and x_shape[3] + pads[2] <= ow + kw - 1
            and oh <= x_shape[2] + pads[1] and ow <= x_shape[3] + pads[2])


# 3x3 stride-1 float32 convs with 16+ channels take `conv_winograd` (its `plan` says when); False
# keeps them on the implicit GEMM (A/B measurements, tests).
WINOGRAD = True


def winograd_plan(x_shape, kernel_shape, dtype, strides, dilations, pads, out_spatial, groups, part="forward"):
    """Whether this conv's `part` ("forward", "data" or "filter" gradient) takes `conv_winograd`: one that
    `implicit_plan` takes for its forward pass and `conv_winograd.plan` accepts."""
    return WINOGRAD and implicit_plan(x_shape, kernel_shape, dtype, strides, dilations, pads, out_spatial, groups,
                                      for_data=False) and conv_winograd.plan(x_shape, kernel_shape, strides, pads,
                                                                             out_spatial, part)


def pointwise_gemm(dtype, kernel_shape, pads, groups, width):
    """Whether a 1x1 conv's GEMM with `width` output columns (forward: out channels, data gradient: in
    channels) takes `conv_implicit.pointwise` (float32, one group, no padding) rather than np.dot.
    Only whole panels of 16: a 24-wide product through the padded scratch lost to np.dot."""
    return (IMPLICIT_GEMM and np.dtype(dtype) == np.float32 and groups == 1 and tuple(pads) == (0, 0, 0)
            and tuple(kernel_shape[:3]) == (1, 1, 1) and width % conv_implicit.PANEL == 0)


def _forward_part(cols, weights, groups, dest):
    """dest (positions, out_ch) = cols @ kernel, per group."""
    for outs, lhs, rhs in _group_slices(cols, weights, groups):
        if groups == 1:
            np.dot(lhs, rhs, out=dest)
        else:
            dest[:, outs] = np.dot(lhs, rhs)


def _filter_grad_part(cols, dz, weights, groups):
    """Kernel gradient (taps, cg, out_ch) of one part: cols^T @ dz, per group."""
    taps, cg, out_ch = weights.shape
    grad = np.empty(weights.shape, dtype=dz.dtype)
    for outs, lhs, _ in _group_slices(cols, weights, groups):
        dzg = dz if groups == 1 else np.ascontiguousarray(dz[:, outs])
        grad[:, :, outs] = np.dot(lhs.T, dzg).reshape(taps, cg, -1)
    return grad


def _data_grad_part(dz, weights, groups, geometry, out_spatial, kshape, dest):
    """dest (part of dx, (n, D, H, W, in_ch)) = col2im(dz @ kernel^T), per group."""
    strides, dilations, pads = geometry
    positions = dz.shape[0]
    taps, cg, out_ch = weights.shape
    in_ch = cg * groups
    if groups == 1:
        dcols = np.dot(dz, weights.reshape(taps * cg, out_ch).T)
    else:
        og = out_ch // groups
        dcols = np.empty((positions, taps, in_ch), dtype=dz.dtype)
        for g in range(groups):
            wg = np.ascontiguousarray(weights[:, :, g * og:(g + 1) * og]).reshape(taps * cg, og)
            dzg = np.ascontiguousarray(dz[:, g * og:(g + 1) * og])
            dcols[:, :, g * cg:(g + 1) * cg] = np.dot(dzg, wg.T).reshape(positions, taps, cg)
        dcols = dcols.reshape(positions, taps * in_ch)
    cells = _pointwise_cells(dest, kshape, strides, pads, out_spatial)
    if cells is not None:
        if cells.shape != dest.shape:
            dest[...] = 0
        cells[...] = dcols.reshape(cells.shape)
    else:
        _column_walk(dest, dcols, *kshape, *strides, *dilations, *pads, *out_spatial, True)


def _pointwise_data_grad(dz, packed, strides, out_spatial, dest):
    """dest (part of dx) of a 1x1 conv without padding: dz @ kernel^T onto the cells it read, zeros elsewhere."""
    in_ch = dest.shape[-1]
    cells = _pointwise_cells(dest, (1, 1, 1), strides, (0, 0, 0), out_spatial)
    if cells.shape == dest.shape:
        conv_implicit.pointwise(dz, packed, in_ch, dest.reshape(-1, in_ch))
        return
    dest[...] = 0
    scratch = np.empty(cells.shape, dtype=dest.dtype)
    conv_implicit.pointwise(dz, packed, in_ch, scratch.reshape(-1, in_ch))
    cells[...] = scratch


# A part's column matrix stays under this many bytes, so it is still in the core's L2 cache
# when the GEMM reads it (and col2im's in the backward pass): parts of whole samples, at
# least one. Measured per conv layer (fwd+bwd, 1 thread): 64 MiB parts 38 ms, 1 MiB 31 ms
# on a Conv1D 64->64 k5 over 248 steps; no loss on the small 2-D convs.
PART_COLUMN_BYTES = 2**20
# A thread gets at least this many multiply-adds of GEMM work (fewer are not worth a thread).
MIN_MACS_PER_THREAD = 2**21


def _per_sample_macs(out_spatial, kernel_shape, in_channels, out_channels):
    return math.prod(out_spatial) * math.prod(kernel_shape[:3]) * in_channels * max(out_channels, 1)


def _column_bytes_per_sample(out_spatial, kernel_shape, in_channels, itemsize):
    return math.prod(out_spatial) * math.prod(kernel_shape[:3]) * in_channels * itemsize


def _plan(n_batch, out_spatial, kernel_shape, in_channels, out_channels, itemsize):
    """How a batch is cut: a list of parts (batch slices) per thread.

    Threads get disjoint row ranges (`parallel.row_slices`, none smaller than
    MIN_MACS_PER_THREAD of work); each range is cut into parts whose column matrices and
    outputs each fit PART_COLUMN_BYTES (a shallow input's output is the larger: 28x28x1 in,
    26x26x32 out)."""
    macs = _per_sample_macs(out_spatial, kernel_shape, in_channels, out_channels)
    min_rows = max(1, -(-MIN_MACS_PER_THREAD // max(macs, 1)))
    ranges = parallel.row_slices(n_batch, min_rows=min_rows)
    per_sample = max(_column_bytes_per_sample(out_spatial, kernel_shape, in_channels, itemsize),
                     math.prod(out_spatial) * out_channels * itemsize)
    step = max(1, PART_COLUMN_BYTES // max(per_sample, 1))
    return [[slice(start, min(start + step, rows.stop)) for start in range(rows.start, rows.stop, step)]
            for rows in ranges]


def _whole_ranges(plan):
    """The plan with each thread's parts as one: the implicit kernels need no column matrix and go
    through their samples one at a time themselves (a call per sample cost more than its overhead)."""
    return [[slice(parts[0].start, parts[-1].stop)] for parts in plan]


def _run_plan(plan, work):
    """work(parts) for each thread's list of parts, concurrently, with single-threaded BLAS."""
    with single_threaded():
        parallel.over_rows(lambda rows: [work(plan[i]) for i in range(rows.start, rows.stop)], len(plan),
                           min_rows=1)


def _kernel3(kernel):
    """(KD, KH, KW, cg, out) -> (taps, cg, out), a view."""
    return np.ascontiguousarray(kernel).reshape(math.prod(kernel.shape[:3]), kernel.shape[3], kernel.shape[4])


def conv_forward(x, kernel, strides, dilations, pads, out_spatial, groups=1):
    """y[n, o, f] = sum over taps and the group's channels of x[n, o*s - p + t*d, c] * kernel[t, c, f].

    `out_spatial` is the (D, H, W) size of the output; cells read outside `x` are zero.
    """
    return conv_forward_fused(x, kernel, None, 0, strides, dilations, pads, out_spatial, groups)


def conv_forward_fused(x, kernel, bias, act, strides, dilations, pads, out_spatial, groups=1):
    """activation(conv(x, kernel) + bias).

    `bias` is (out_channels,) or None; `act` an activation code of `dense.ACTIVATION_CODES`.
    The batch is cut as `_plan` says; each part runs im2col, one GEMM per group written
    straight into the output, then bias and activation in place, on its own thread.
    """
    x = np.ascontiguousarray(x)
    kshape, out_ch = tuple(kernel.shape[:3]), kernel.shape[-1]
    weights = _kernel3(kernel)
    out = np.empty((x.shape[0],) + tuple(out_spatial) + (out_ch,), dtype=x.dtype)
    has_bias = bias is not None
    bias = np.ascontiguousarray(bias, dtype=x.dtype) if has_bias else np.zeros(out_ch, dtype=x.dtype)
    if is_depthwise(x.shape[-1], kernel.shape, groups):
        geometry = (*kshape, *strides, *dilations, *pads)
        flat = weights.reshape(-1, out_ch)
        _over_samples(lambda r: conv_direct.depthwise_forward(x[r], flat, bias, has_bias, act, *geometry, out[r]),
                      x.shape[0], _per_sample_macs(out_spatial, kshape, 1, out_ch))
        return out
    plan = _plan(x.shape[0], out_spatial, kshape, x.shape[-1], out_ch, x.itemsize)
    implicit = out_ch >= MIN_IMPLICIT_WIDTH and implicit_plan(x.shape, kernel.shape, x.dtype, strides, dilations,
                                                              pads, out_spatial, groups, for_data=False)
    winograd = winograd_plan(x.shape, kernel.shape, x.dtype, strides, dilations, pads, out_spatial, groups)
    implicit = implicit and not winograd
    packed = conv_implicit.pack_taps(kernel[0]) if implicit else None
    if winograd:
        packed = conv_winograd.transform_kernel(kernel[0])
    if implicit or winograd:
        plan = _whole_ranges(plan)
    pointwise = pointwise_gemm(x.dtype, kernel.shape, pads, groups, out_ch)
    if pointwise:
        packed = conv_implicit.pack(weights.reshape(-1, out_ch))

    def work(parts):
        for part in parts:
            dest = out[part].reshape(-1, out_ch)
            if winograd:
                conv_winograd.winograd_conv(x[part, 0], packed, pads[1], pads[2], out[part, 0])
            elif implicit:
                conv_implicit.implicit_conv(x[part, 0], packed, kshape[1], pads[1], pads[2], out[part, 0],
                                            strides[1:])
            elif pointwise:
                conv_implicit.pointwise(_columns(x[part], kshape, strides, dilations, pads, out_spatial), packed,
                                        out_ch, dest)
            else:
                _forward_part(_columns(x[part], kshape, strides, dilations, pads, out_spatial), weights, groups,
                              dest)
            if has_bias or act:
                bias_activation(dest, bias, has_bias, act)

    _run_plan(plan, work)
    return out


def conv_backward_fused(x, out, grad_out, kernel, act, has_bias, strides, dilations, pads, groups=1,
                        need_data=True, need_filter=True):
    """Gradients (dx, dkernel, dbias) of `conv_forward_fused` from its output and `grad_out`.

    Each thread takes its parts through the activation derivative and bias sum, the filter
    gradient (gathering the part's columns again: cheaper than keeping them, as a part's
    columns are built in cache) and the data gradient; the threads' kernel and bias sums
    are added in batch order. Entries not asked for are None. `out` is only read for an
    activation or bias (it may be None for a plain convolution).
    """
    x = np.ascontiguousarray(x)
    grad_out = np.ascontiguousarray(grad_out, dtype=x.dtype)
    kshape, out_ch = tuple(kernel.shape[:3]), kernel.shape[-1]
    out_spatial = tuple(grad_out.shape[1:4])
    weights = _kernel3(kernel)
    if is_depthwise(x.shape[-1], kernel.shape, groups):
        return _depthwise_backward(x, out, grad_out, kernel, weights, act, has_bias, strides, dilations, pads,
                                   need_data, need_filter)
    plan = _plan(x.shape[0], out_spatial, kshape, x.shape[-1], out_ch, x.itemsize)
    dx = np.empty(x.shape, dtype=x.dtype) if need_data else None
    implicit = need_data and x.shape[-1] >= MIN_IMPLICIT_WIDTH and implicit_plan(
        x.shape, kernel.shape, x.dtype, strides, dilations, pads, out_spatial, groups)
    winograd_data = need_data and winograd_plan(x.shape, kernel.shape, x.dtype, strides, dilations, pads,
                                                out_spatial, groups, part="data")
    winograd_filter = need_filter and winograd_plan(x.shape, kernel.shape, x.dtype, strides, dilations, pads,
                                                    out_spatial, groups, part="filter")
    implicit = implicit and not winograd_data
    packed = conv_implicit.pack_taps(conv_implicit.data_grad_kernel(kernel[0])) if implicit else None
    if winograd_data:
        packed = conv_winograd.transform_data_kernel(kernel[0])
    implicit_filter = need_filter and IMPLICIT_FILTER_GRAD and implicit_plan(
        x.shape, kernel.shape, x.dtype, strides, dilations, pads, out_spatial, groups, for_data=False)
    if (implicit or winograd_data or not need_data) and (implicit_filter or winograd_filter or not need_filter):
        plan = _whole_ranges(plan)
    pointwise = need_data and pointwise_gemm(x.dtype, kernel.shape, pads, groups, x.shape[-1])
    if pointwise:
        packed = conv_implicit.pack(np.ascontiguousarray(weights.reshape(-1, out_ch).T))
    sums = {}

    # a stride-1 1x1 conv without activation or bias: the filter gradient is x^T @ grad_out over all
    # of a thread's samples in one GEMM (a long sum suits BLAS better than a sum of part GEMMs)
    whole_filter = (need_filter and WHOLE_POINTWISE_FILTER and not (act or has_bias) and groups == 1
                    and _pointwise_cells(x, kshape, strides, pads, out_spatial) is not None
                    and tuple(strides) == (1, 1, 1))

    def work(parts):
        dk = db = None
        if whole_filter:
            rows = slice(parts[0].start, parts[-1].stop)
            dk = np.dot(x[rows].reshape(-1, x.shape[-1]).T, grad_out[rows].reshape(-1, out_ch)).reshape(weights.shape)
        for part in parts:
            g2 = grad_out[part].reshape(-1, out_ch)
            if act or has_bias:
                dz, db_part = activation_bias_grad(g2, out[part].reshape(-1, out_ch), act)
                db = db_part if db is None else db + db_part
            else:
                dz = g2
            if winograd_filter:
                dk_part = np.empty(kernel.shape[1:], dtype=np.float32)
                conv_winograd.winograd_filter_grad(x[part, 0], dz.reshape(grad_out[part, 0].shape), pads[1], pads[2],
                                                   dk_part)
                dk = dk_part if dk is None else dk + dk_part
            elif need_filter and implicit_filter:
                dk_part = np.empty(kernel.shape[1:], dtype=np.float32)
                conv_implicit.implicit_filter_grad(x[part, 0], dz.reshape(grad_out[part, 0].shape), kshape[1],
                                                   kshape[2], pads[1], pads[2], dk_part, strides[1:])
                dk = dk_part if dk is None else dk + dk_part
            elif need_filter and not whole_filter:
                cols = _columns(x[part], kshape, strides, dilations, pads, out_spatial)
                dk_part = _filter_grad_part(cols, dz, weights, groups)
                dk = dk_part if dk is None else dk + dk_part
            if winograd_data:
                conv_winograd.winograd_data_grad(dz.reshape(grad_out[part, 0].shape), packed, pads[1], pads[2],
                                                 dx[part, 0])
            elif implicit:
                conv_implicit.implicit_conv(dz.reshape(grad_out[part, 0].shape), packed, kshape[1],
                                            kshape[1] - 1 - pads[1], kshape[2] - 1 - pads[2], dx[part, 0])
            elif pointwise:
                _pointwise_data_grad(dz, packed, strides, out_spatial, dx[part])
            elif need_data:
                _data_grad_part(dz, weights, groups, (strides, dilations, pads), out_spatial, kshape, dx[part])
        sums[parts[0].start] = (dk, db)

    _run_plan(plan, work)
    dk = db = None
    for start in sorted(sums):
        part_dk, part_db = sums[start]
        if part_dk is not None:
            dk = part_dk if dk is None else dk + part_dk
        if part_db is not None:
            db = part_db if db is None else db + part_db
    dk = dk.reshape(kernel.shape) if dk is not None else None
    if has_bias and db is None:
        db = np.zeros(out_ch, dtype=x.dtype)
    return dx, dk, (db if has_bias else None)


# Depthwise convs take the direct kernels of `conv_direct`; False sends them through the
# grouped im2col + GEMM path (for A/B measurements and tests).
DIRECT_DEPTHWISE = True


def is_depthwise(in_channels, kernel_shape, groups):
    """Whether a conv of this kernel and grouping takes the direct depthwise kernels."""
    return DIRECT_DEPTHWISE and groups > 1 and groups == in_channels and kernel_shape[3] == 1


def _over_samples(work, n_batch, macs_per_sample):
    """work(rows) over batch ranges, one per thread, none under MIN_MACS_PER_THREAD of work."""
    parallel.over_rows(work, n_batch, min_rows=max(1, -(-MIN_MACS_PER_THREAD // max(macs_per_sample, 1))))


def _depthwise_backward(x, out, grad_out, kernel, weights, act, has_bias, strides, dilations, pads,
                        need_data, need_filter):
    """`conv_backward_fused` through the depthwise kernel: each thread sums its samples' filter and
    bias gradients and scatters its samples' data gradient; the sums are added in batch order."""
    out_ch = kernel.shape[-1]
    geometry = (*kernel.shape[:3], *strides, *dilations, *pads)
    y = grad_out if out is None else np.ascontiguousarray(out)
    act = act if out is not None else 0
    flat = weights.reshape(-1, out_ch)
    dx = np.empty(x.shape, dtype=x.dtype) if need_data else np.empty((0,) * 5, dtype=x.dtype)
    sums = {}

    def work(rows):
        dk = np.zeros(flat.shape, dtype=x.dtype)
        db = np.zeros(out_ch, dtype=np.float64)
        conv_direct.depthwise_backward(x[rows], y[rows], grad_out[rows], flat, act, *geometry,
                                       dx[rows] if need_data else dx, need_data, dk, db)
        sums[rows.start] = (dk, db)

    _over_samples(work, x.shape[0], 2 * _per_sample_macs(grad_out.shape[1:4], kernel.shape[:3], 1, out_ch))
    parts = [sums[start] for start in sorted(sums)]
    dk, db = parts[0]
    for part_dk, part_db in parts[1:]:
        dk, db = dk + part_dk, db + part_db
    return (dx if need_data else None, dk.reshape(kernel.shape) if need_filter else None,
            db.astype(x.dtype) if has_bias else None)


def conv_backward_data(grad_out, kernel, in_spatial, strides, dilations, pads, groups=1):
    """Gradient of `conv_forward` with respect to x, for an input of spatial size `in_spatial`.

    This is also the transposed convolution of `grad_out` with `kernel`.
    """
    grad_out = np.ascontiguousarray(grad_out)
    kshape, out_ch = tuple(kernel.shape[:3]), kernel.shape[-1]
    in_ch = kernel.shape[3] * groups
    out_spatial = tuple(grad_out.shape[1:4])
    weights = _kernel3(kernel)
    dx = np.empty((grad_out.shape[0],) + tuple(in_spatial) + (in_ch,), dtype=grad_out.dtype)
    plan = _plan(grad_out.shape[0], out_spatial, kshape, in_ch, out_ch, grad_out.itemsize)
    x_shape = (grad_out.shape[0],) + tuple(in_spatial) + (in_ch,)
    implicit = in_ch >= MIN_IMPLICIT_WIDTH and implicit_plan(x_shape, kernel.shape, grad_out.dtype, strides,
                                                             dilations, pads, out_spatial, groups)
    winograd = winograd_plan(x_shape, kernel.shape, grad_out.dtype, strides, dilations, pads, out_spatial, groups,
                             part="data")
    implicit = implicit and not winograd
    packed = conv_implicit.pack_taps(conv_implicit.data_grad_kernel(kernel[0])) if implicit else None
    if winograd:
        packed = conv_winograd.transform_data_kernel(kernel[0])
    if implicit or winograd:
        plan = _whole_ranges(plan)

    def work(parts):
        for part in parts:
            if winograd:
                conv_winograd.winograd_data_grad(grad_out[part, 0], packed, pads[1], pads[2], dx[part, 0])
                continue
            if implicit:
                conv_implicit.implicit_conv(grad_out[part, 0], packed, kshape[1], kshape[1] - 1 - pads[1],
                                            kshape[2] - 1 - pads[2], dx[part, 0])
                continue
            _data_grad_part(grad_out[part].reshape(-1, out_ch), weights, groups, (strides, dilations, pads),
                            out_spatial, kshape, dx[part])

    _run_plan(plan, work)
    return dx


def conv_backward_filter(x, grad_out, kernel_shape, strides, dilations, pads, groups=1):
    """Gradient of `conv_forward` with respect to the kernel (shape `kernel_shape`).

    Each thread sums its parts; the threads' sums are added in batch order."""
    kernel = np.empty(tuple(kernel_shape), dtype=x.dtype)  # only its shape is read
    return conv_backward_fused(x, None, grad_out, kernel, 0, False, strides, dilations, pads, groups,
                               need_data=False, need_filter=True)[1]


def _warm(dtype):
    def job():
        x = np.ones((1, 1, 3, 3, 2), dtype=dtype)
        cols = np.empty((4, 8), dtype=dtype)
        _column_walk(x, cols, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 2, 2, False)
        _column_walk(np.empty_like(x), cols, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 2, 2, True)
        y = np.ones((4, 3), dtype=dtype)
        bias_activation(y, np.ones(3, dtype=dtype), True, 1)
        activation_bias_grad(y, y, 1)
        geometry = (1, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0)
        out = np.empty((1, 1, 2, 2, 4), dtype=dtype)
        flat, dflat, db = np.ones((8, 4), dtype=dtype), np.zeros((8, 4), dtype=dtype), np.zeros(4)
        depthwise = np.empty((1, 1, 2, 2, 4), dtype=dtype)
        conv_direct.depthwise_forward(x, flat[:4], out[0, 0, 0, 0], True, 1, *geometry, depthwise)
        conv_direct.depthwise_backward(x, depthwise, depthwise, flat[:4], 1, *geometry, np.empty_like(x), True,
                                       dflat[:4], db)
    return job


WARMUP = (_warm(np.float32), _warm(np.float64)) + conv_implicit.WARMUP + conv_winograd.WARMUP
