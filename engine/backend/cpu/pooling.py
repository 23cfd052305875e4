"""Pooling kernels (CPU): max and average pooling forward and backward, channels-last.

Inputs are 3-D spatial, (batch, D, H, W, channels); 1-D and 2-D pooling pass unit
leading axes.  `pads` are the cells of padding before each axis; padded cells never take
part: max pooling ignores them and average pooling divides by the number of real cells
in each window (Keras/TensorFlow "same" semantics).

Max pooling picks the first maximal cell of a window in scan order (so the gradient of
tied cells goes there, as in PyTorch) and propagates NaN.

Loops are serial with channels innermost (contiguous): on the 2-core target numba's
parallel launch cost more than these memory-bound loops (max-pool backward on
64x26x26x32: 15 ms parallel vs 0.6 ms serial). Max pooling instead splits large batches
over the row threads of `parallel.over_rows` (the kernels release the GIL), each writing
its own rows of the preallocated results.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

from engine.backend.cpu import parallel


@njit(cache=True, nogil=True)
def _max_pool_into(x, kd, kh, kw, sd, sh, sw, pd, ph, pw, out, where):
    n_batch, in_d, in_h, in_w, chans = x.shape
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    cells, best, won = x.reshape(-1), out.reshape(-1), where.reshape(-1)
    width = uint64(chans)  # unsigned indices: no wraparound checks, so the channel loops vectorize
    for n in range(n_batch):
        for z in range(od):
            z0 = z * sd - pd
            for y in range(oh):
                y0 = y * sh - ph
                for x_ in range(ow):
                    x0 = x_ * sw - pw
                    dst = uint64(((n * od + z) * oh + y) * ow + x_) * width
                    first = True
                    for iz in range(max(z0, 0), min(z0 + kd, in_d)):
                        for iy in range(max(y0, 0), min(y0 + kh, in_h)):
                            for ix in range(max(x0, 0), min(x0 + kw, in_w)):
                                at = (iz * in_h + iy) * in_w + ix
                                src = uint64((n * in_d + iz) * in_h * in_w + (iy * in_w + ix)) * width
                                if first:
                                    for ch in range(width):
                                        best[dst + ch] = cells[src + ch]
                                        won[dst + ch] = at
                                    first = False
                                    continue
                                for ch in range(width):
                                    # selects, not conditional stores: the channel loop vectorizes
                                    value, current = cells[src + ch], best[dst + ch]
                                    take = value > current or value != value
                                    best[dst + ch] = value if take else current
                                    won[dst + ch] = at if take else won[dst + ch]
                    if first:  # a window entirely in the padding (not reachable with Keras padding)
                        for ch in range(width):
                            best[dst + ch] = 0
                            won[dst + ch] = -1


@njit(cache=True, nogil=True)
def _max_pool_pairs_into(x, sd, sh, sw, rows, out, where):
    """`_max_pool_into` for windows of 2 cells along W and `rows` (1 or 2) along H, unit along D,
    without padding: the window's cells are fixed offsets, so the channel loop holds the
    comparisons in registers and vectorizes (3.3x the general kernel on 2x2 windows)."""
    n_batch, in_d, in_h, in_w, chans = x.shape
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    cells, best, won = x.reshape(-1), out.reshape(-1), where.reshape(-1)
    width = uint64(chans)
    down = uint64(in_w) * width
    for n in range(n_batch):
        for z in range(od):
            for y in range(oh):
                for x_ in range(ow):
                    dst = uint64(((n * od + z) * oh + y) * ow + x_) * width
                    at = (z * sd * in_h + y * sh) * in_w + x_ * sw
                    src = uint64(n * in_d * in_h * in_w + at) * width
                    if rows == 1:
                        for ch in range(width):
                            v, w = cells[src + ch], at
                            u = cells[src + width + ch]
                            if u > v or u != u:
                                v, w = u, at + 1
                            best[dst + ch] = v
                            won[dst + ch] = w
                        continue
                    below = at + in_w
                    for ch in range(width):
                        v, w = cells[src + ch], at
                        u = cells[src + width + ch]
                        t = u > v or u != u
                        v, w = (u, at + 1) if t else (v, w)
                        u = cells[src + down + ch]
                        t = u > v or u != u
                        v, w = (u, below) if t else (v, w)
                        u = cells[src + down + width + ch]
                        t = u > v or u != u
                        v, w = (u, below + 1) if t else (v, w)
                        best[dst + ch] = v
                        won[dst + ch] = w


def max_pool_part(x, pool_size, strides, pads, out, where):
    """Max pooling of `x` into `out` and `where` (preallocated), with the paired-cell kernel
    where the window allows it (every window inside `x`: no padding before or after)."""
    inside = all((o - 1) * s + k <= size for o, s, k, size in zip(out.shape[1:4], strides, pool_size, x.shape[1:4]))
    if inside and tuple(pads) == (0, 0, 0) and pool_size[0] == 1 and pool_size[2] == 2 and pool_size[1] in (1, 2):
        _max_pool_pairs_into(x, *strides, pool_size[1], out, where)
    else:
        _max_pool_into(x, *pool_size, *strides, *pads, out, where)


@njit(cache=True, nogil=True)
def _max_pool_backward_into(grad_out, where, grad_in):
    n_batch, od, oh, ow, chans = grad_out.shape
    cells = uint64(grad_in.shape[1])
    width = uint64(chans)
    upstream, won, into = grad_out.reshape(-1), where.reshape(-1), grad_in.reshape(-1)
    into[:] = 0
    positions = uint64(od * oh * ow)
    for n in range(uint64(n_batch)):
        for p in range(positions):
            src = (n * positions + p) * width
            for ch in range(width):
                at = won[src + ch]
                if at >= 0:
                    into[(n * cells + uint64(at)) * width + ch] += upstream[src + ch]


@njit(cache=True, nogil=True)
def _avg_pool(x, kd, kh, kw, sd, sh, sw, pd, ph, pw, od, oh, ow):
    n_batch, in_d, in_h, in_w, chans = x.shape
    out = np.zeros((n_batch, od, oh, ow, chans), dtype=x.dtype)
    for job in range(n_batch * od):
        n = job // od
        z = job % od
        z0 = z * sd - pd
        for y in range(oh):
            y0 = y * sh - ph
            for x_ in range(ow):
                x0 = x_ * sw - pw
                count = 0
                for iz in range(max(z0, 0), min(z0 + kd, in_d)):
                    for iy in range(max(y0, 0), min(y0 + kh, in_h)):
                        for ix in range(max(x0, 0), min(x0 + kw, in_w)):
                            count += 1
                            for ch in range(chans):
                                out[n, z, y, x_, ch] += x[n, iz, iy, ix, ch]
                if count > 0:
                    for ch in range(chans):
                        out[n, z, y, x_, ch] /= count
    return out


@njit(cache=True, nogil=True)
def _avg_pool_backward(grad_out, in_d, in_h, in_w, kd, kh, kw, sd, sh, sw, pd, ph, pw):
    n_batch, od, oh, ow, chans = grad_out.shape
    grad_in = np.zeros((n_batch, in_d, in_h, in_w, chans), dtype=grad_out.dtype)
    for n in range(n_batch):
        for z in range(od):
            z0 = z * sd - pd
            for y in range(oh):
                y0 = y * sh - ph
                for x_ in range(ow):
                    x0 = x_ * sw - pw
                    lo_z, hi_z = max(z0, 0), min(z0 + kd, in_d)
                    lo_y, hi_y = max(y0, 0), min(y0 + kh, in_h)
                    lo_x, hi_x = max(x0, 0), min(x0 + kw, in_w)
                    count = (hi_z - lo_z) * (hi_y - lo_y) * (hi_x - lo_x)
                    if count <= 0:
                        continue
                    for iz in range(lo_z, hi_z):
                        for iy in range(lo_y, hi_y):
                            for ix in range(lo_x, hi_x):
                                for ch in range(chans):
                                    grad_in[n, iz, iy, ix, ch] += grad_out[n, z, y, x_, ch] / count
    return grad_in


# A thread gets at least this many input cells x channels of a pooling pass.
MIN_CELLS_PER_THREAD = 2**16


def _over_batch(work, x_shape):
    """work(rows) over batch ranges on up to `parallel.threads()` threads."""
    per_sample = math.prod(x_shape[1:])
    parallel.over_rows(work, x_shape[0], min_rows=max(1, -(-MIN_CELLS_PER_THREAD // max(per_sample, 1))))


def max_pool_forward(x, pool_size, strides, pads, out_spatial):
    """Window maxima and, for the backward pass, the flat spatial index of each winner."""
    x = np.ascontiguousarray(x)
    shape = (x.shape[0],) + tuple(out_spatial) + (x.shape[-1],)
    out = np.empty(shape, dtype=x.dtype)
    where = np.empty(shape, dtype=np.int64)
    _over_batch(lambda r: max_pool_part(x[r], pool_size, strides, pads, out[r], where[r]), x.shape)
    return out, where


def max_pool_backward(grad_out, argmax, in_spatial):
    """Route each output gradient to the input cell that won its window."""
    grad_out = np.ascontiguousarray(grad_out)
    n_batch, chans = grad_out.shape[0], grad_out.shape[-1]
    grad_in = np.empty((n_batch, math.prod(in_spatial), chans), dtype=grad_out.dtype)
    _over_batch(lambda r: _max_pool_backward_into(grad_out[r], argmax[r], grad_in[r]), grad_in.shape)
    return grad_in.reshape((n_batch,) + tuple(in_spatial) + (chans,))


def avg_pool_forward(x, pool_size, strides, pads, out_spatial):
    """Window means over the real (unpadded) cells."""
    return _avg_pool(np.ascontiguousarray(x), *pool_size, *strides, *pads, *out_spatial)


def avg_pool_backward(grad_out, in_spatial, pool_size, strides, pads):
    """Spread each output gradient evenly over the real cells of its window."""
    return _avg_pool_backward(np.ascontiguousarray(grad_out), *in_spatial, *pool_size, *strides, *pads)


def _warm(dtype):
    def job():
        x = np.ones((1, 1, 2, 2, 1), dtype=dtype)
        out, where = max_pool_forward(x, (1, 2, 2), (1, 1, 1), (0, 0, 0), (1, 1, 1))
        max_pool_backward(out, where, (1, 2, 2))
        max_pool_forward(x, (1, 2, 1), (1, 1, 1), (0, 0, 0), (1, 1, 2))  # the general window kernel
        avg = avg_pool_forward(x, (1, 2, 2), (1, 1, 1), (0, 0, 0), (1, 1, 1))
        avg_pool_backward(avg, (1, 2, 2), (1, 2, 2), (1, 1, 1), (0, 0, 0))
    return job


WARMUP = (_warm(np.float32), _warm(np.float64))
