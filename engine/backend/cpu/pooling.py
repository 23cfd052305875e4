"""Pooling kernels (CPU): max and average pooling forward and backward, channels-last.

Inputs are 3-D spatial, (batch, D, H, W, channels); 1-D and 2-D pooling pass unit
leading axes.  `pads` are the cells of padding before each axis; padded cells never take
part: max pooling ignores them and average pooling divides by the number of real cells
in each window (Keras/TensorFlow "same" semantics).

Max pooling picks the first maximal cell of a window in scan order (so the gradient of
tied cells goes there, as in PyTorch) and propagates NaN.

Loops are serial with channels innermost (contiguous): on the 2-core target numba's
parallel launch cost more than these memory-bound loops (max-pool backward on
64x26x26x32: 15 ms parallel vs 0.6 ms serial).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _max_pool(x, kd, kh, kw, sd, sh, sw, pd, ph, pw, od, oh, ow):
    n_batch, in_d, in_h, in_w, chans = x.shape
    out = np.empty((n_batch, od, oh, ow, chans), dtype=x.dtype)
    where = np.full((n_batch, od, oh, ow, chans), -1, dtype=np.int64)
    for n in range(n_batch):
        for z in range(od):
            z0 = z * sd - pd
            for y in range(oh):
                y0 = y * sh - ph
                for x_ in range(ow):
                    x0 = x_ * sw - pw
                    for iz in range(max(z0, 0), min(z0 + kd, in_d)):
                        for iy in range(max(y0, 0), min(y0 + kh, in_h)):
                            for ix in range(max(x0, 0), min(x0 + kw, in_w)):
                                at = (iz * in_h + iy) * in_w + ix
                                for ch in range(chans):
                                    value = x[n, iz, iy, ix, ch]
                                    if where[n, z, y, x_, ch] < 0 or value > out[n, z, y, x_, ch] or value != value:
                                        out[n, z, y, x_, ch] = value
                                        where[n, z, y, x_, ch] = at
    return out, where


@njit(cache=True, nogil=True)
def _max_pool_backward(grad_out, where, in_d, in_h, in_w):
    n_batch, od, oh, ow, chans = grad_out.shape
    grad_in = np.zeros((n_batch, in_d * in_h * in_w, chans), dtype=grad_out.dtype)
    for n in range(n_batch):
        for z in range(od):
            for y in range(oh):
                for x_ in range(ow):
                    for ch in range(chans):
                        at = where[n, z, y, x_, ch]
                        if at >= 0:
                            grad_in[n, at, ch] += grad_out[n, z, y, x_, ch]
    return grad_in.reshape((n_batch, in_d, in_h, in_w, chans))


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


def max_pool_forward(x, pool_size, strides, pads, out_spatial):
    """Window maxima and, for the backward pass, the flat spatial index of each winner."""
    return _max_pool(np.ascontiguousarray(x), *pool_size, *strides, *pads, *out_spatial)


def max_pool_backward(grad_out, argmax, in_spatial):
    """Route each output gradient to the input cell that won its window."""
    return _max_pool_backward(np.ascontiguousarray(grad_out), argmax, *in_spatial)


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
        avg = avg_pool_forward(x, (1, 2, 2), (1, 1, 1), (0, 0, 0), (1, 1, 1))
        avg_pool_backward(avg, (1, 2, 2), (1, 2, 2), (1, 1, 1), (0, 0, 0))
    return job


WARMUP = (_warm(np.float32), _warm(np.float64))
