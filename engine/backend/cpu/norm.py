"""Batch and layer normalization kernels on 2-D views.

Batch normalization works on (rows, channels): statistics per column. Layer
normalization works on (rows, features): statistics per row. Sums accumulate in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from engine.backend.cpu.parallel import over_rows


# Below this many elements per thread a second thread costs more than it saves.
MIN_ELEMENTS_PER_THREAD = 1 << 16

# `cap` of the kernels below: NO_ACT leaves the values alone; any cap >= 0 applies
# min(max(y, 0), cap) (np.inf: plain ReLU). The gradient passes where 0 < y <= cap, as
# relu followed by clip(0, cap) differentiates.
NO_ACT = -1.0


def _row_chunks(fn, rows, cols):
    """fn(lo, hi) over disjoint row ranges covering range(rows), on the batch-parallel threads."""
    per_row = max(cols, 1)
    over_rows(lambda s: fn(s.start, s.stop), rows, min_rows=max(1, MIN_ELEMENTS_PER_THREAD // per_row))


@njit(cache=True, nogil=True)
def _typed(value, like):
    """`value` as a scalar of `like`'s dtype, so float32 loops stay in float32 (and vectorize)."""
    box = np.empty(1, like.dtype)
    box[0] = value
    return box[0]


@njit(cache=True, nogil=True)
def _shifted_sums(x, shift, lo, hi, s1, s2):
    """Add sum(x - shift) and sum((x - shift)^2) per column of rows lo..hi into s1, s2 (float64)."""
    cols = x.shape[1]
    flat = x.reshape(-1)
    width = uint64(cols)
    for i in range(uint64(lo), uint64(hi)):
        for j in range(width):
            d = np.float64(flat[i * width + j]) - shift[j]
            s1[j] += d
            s2[j] += d * d


def batch_moments(x):
    """Per-column mean and biased variance of 2-D C-contiguous `x` (float64 sums).

    One pass: sums of x - shift and its square, with each column's first value as the
    shift, so the variance does not cancel away when the mean is large. Rows split over
    the batch-parallel threads, partial sums added at the end."""
    rows, cols = x.shape
    shift = x[0].astype(np.float64) if rows else np.zeros(cols)
    parts = []

    def run(lo, hi):
        s1, s2 = np.zeros(cols), np.zeros(cols)
        _shifted_sums(x, shift, lo, hi, s1, s2)
        parts.append((s1, s2))

    _row_chunks(run, rows, cols)
    s1 = sum(p[0] for p in parts) / max(rows, 1)
    s2 = sum(p[1] for p in parts) / max(rows, 1)
    var = np.maximum(s2 - s1 * s1, 0.0)
    return (shift + s1).astype(x.dtype), var.astype(x.dtype)


@njit(cache=True, nogil=True)
def _affine_rows(x, scale, shift, cap, out, lo, hi):
    """out = x * scale + shift per column (then the activation of `cap`) on rows lo..hi."""
    cols = x.shape[1]
    src, dst = x.reshape(-1), out.reshape(-1)
    width = uint64(cols)
    zero, top = _typed(0.0, src), _typed(cap, src)
    if cap < 0:
        for i in range(uint64(lo), uint64(hi)):
            for j in range(width):
                dst[i * width + j] = src[i * width + j] * scale[j] + shift[j]
    else:
        for i in range(uint64(lo), uint64(hi)):
            for j in range(width):
                v = src[i * width + j] * scale[j] + shift[j]
                dst[i * width + j] = min(max(v, zero), top)


def batch_norm_forward(x, mean, var, gamma, beta, epsilon, cap=NO_ACT):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta per column; also returns 1/std.

    With `cap` >= 0 the activation min(max(., 0), cap) follows in the same pass (see NO_ACT)."""
    rows, cols = x.shape
    inv_std = (1.0 / np.sqrt(var.astype(np.float64) + epsilon)).astype(x.dtype)
    scale = (inv_std * gamma).astype(x.dtype)
    shift = (beta - mean * scale).astype(x.dtype)
    out = np.empty_like(x)
    _row_chunks(lambda lo, hi: _affine_rows(x, scale, shift, float(cap), out, lo, hi), rows, cols)
    return out, inv_std


@njit(cache=True, nogil=True)
def _grad_sums(x, grad, mean, scale, shift, cap, lo, hi, sum_g, sum_gx):
    """Per column over rows lo..hi: sum of g and of g * (x - mean), g the gradient of the
    normalized values (`grad` masked by the activation of `cap`, recomputed from x)."""
    cols = x.shape[1]
    width = uint64(cols)
    src, gf = x.reshape(-1), grad.reshape(-1)
    zero, top = _typed(0.0, gf), _typed(cap, gf)
    for i in range(uint64(lo), uint64(hi)):
        for j in range(width):
            at = i * width + j
            xv = src[at]
            gv = gf[at]
            if cap >= 0:
                y = xv * scale[j] + shift[j]
                if not (y > zero and y <= top):
                    gv = zero
            sum_g[j] += gv
            sum_gx[j] += gv * (xv - mean[j])


@njit(cache=True, nogil=True)
def _grad_rows(x, grad, mean, scale, shift, cap, gscale, coef, offset, dx, lo, hi):
    """dx = gscale * g - coef * (x - mean) - offset on rows lo..hi (g masked as in `_grad_sums`)."""
    cols = x.shape[1]
    width = uint64(cols)
    src, gf, out = x.reshape(-1), grad.reshape(-1), dx.reshape(-1)
    zero, top = _typed(0.0, gf), _typed(cap, gf)
    for i in range(uint64(lo), uint64(hi)):
        for j in range(width):
            at = i * width + j
            xv = src[at]
            gv = gf[at]
            if cap >= 0:
                y = xv * scale[j] + shift[j]
                if not (y > zero and y <= top):
                    gv = zero
            out[at] = gscale[j] * gv - coef[j] * (xv - mean[j]) - offset[j]


def batch_norm_backward(x, grad, mean, inv_std, gamma, batch_stats, beta=None, cap=NO_ACT):
    """(dx, dgamma, dbeta) of batch_norm_forward.

    With `batch_stats` the mean and variance are functions of `x` (training); without,
    they are constants (inference with the moving statistics). With `cap` >= 0, `grad` is
    the gradient of the activation's output (forward with the same `cap`; `beta` needed).
    Two passes, each split over rows onto the batch-parallel threads.
    """
    rows, cols = x.shape
    dtype = x.dtype
    fscale = (inv_std * gamma).astype(dtype)
    fshift = np.zeros(cols, dtype) if beta is None else (beta - mean * fscale).astype(dtype)
    cap = float(cap)
    parts = []

    def sums(lo, hi):
        s_g, s_gx = np.zeros(cols), np.zeros(cols)
        _grad_sums(x, grad, mean, fscale, fshift, cap, lo, hi, s_g, s_gx)
        parts.append((s_g, s_gx))

    _row_chunks(sums, rows, cols)
    dbeta = sum(p[0] for p in parts)
    dgamma = sum(p[1] for p in parts) * inv_std
    n = max(rows, 1)
    gscale = (gamma.astype(np.float64) * inv_std).astype(dtype)
    if batch_stats:
        # dx = scale * (g - dbeta/rows - xhat * dgamma/rows), xhat = (x - mean) * inv_std
        coef = (gscale * inv_std * dgamma / n).astype(dtype)
        offset = (gscale * dbeta / n).astype(dtype)
    else:
        coef = offset = np.zeros(cols, dtype)
    dx = np.empty_like(x)
    _row_chunks(lambda lo, hi: _grad_rows(x, grad, mean, fscale, fshift, cap, gscale, coef, offset, dx, lo, hi),
                rows, cols)
    return dx, dgamma.astype(dtype), dbeta.astype(dtype)


@njit(cache=True, nogil=True)
def _relu_flat(x, cap, out, lo, hi):
    zero, top = _typed(0.0, x), _typed(cap, x)
    for i in range(uint64(lo), uint64(hi)):
        out[i] = min(max(x[i], zero), top)


@njit(cache=True, nogil=True)
def _relu_grad_flat(x, grad, cap, out, lo, hi):
    zero, top = _typed(0.0, grad), _typed(cap, grad)
    for i in range(uint64(lo), uint64(hi)):
        v = x[i]
        out[i] = grad[i] if (v > zero and v <= top) else zero


def _flat_chunks(fn, size):
    over_rows(lambda s: fn(s.start, s.stop), size, min_rows=MIN_ELEMENTS_PER_THREAD)


def relu_forward(x, cap=np.inf):
    """min(max(x, 0), cap) of a C-contiguous array, split over the batch-parallel threads."""
    out = np.empty_like(x)
    src, dst = x.reshape(-1), out.reshape(-1)
    _flat_chunks(lambda lo, hi: _relu_flat(src, float(cap), dst, lo, hi), src.size)
    return out


def relu_backward(x, grad, cap=np.inf):
    """Gradient of `relu_forward` at input `x`: `grad` where 0 < x <= cap, else 0."""
    out = np.empty_like(x)
    src, g, dst = x.reshape(-1), grad.reshape(-1), out.reshape(-1)
    _flat_chunks(lambda lo, hi: _relu_grad_flat(src, g, float(cap), dst, lo, hi), src.size)
    return out


@njit(cache=True, nogil=True)
def _add_relu_flat(a, b, cap, out, lo, hi):
    zero, top = _typed(0.0, a), _typed(cap, a)
    for i in range(uint64(lo), uint64(hi)):
        out[i] = min(max(a[i] + b[i], zero), top)


@njit(cache=True, nogil=True)
def _add_flat(a, b, out, lo, hi):
    for i in range(uint64(lo), uint64(hi)):
        out[i] = a[i] + b[i]


def add_relu_forward(a, b, cap=np.inf):
    """min(max(a + b, 0), cap) of two C-contiguous arrays of one shape and dtype, in one pass split
    over the batch-parallel threads (a residual junction: Add then ReLU)."""
    out = np.empty_like(a)
    x, y, dst = a.reshape(-1), b.reshape(-1), out.reshape(-1)
    _flat_chunks(lambda lo, hi: _add_relu_flat(x, y, float(cap), dst, lo, hi), dst.size)
    return out


def add(a, b):
    """a + b of two C-contiguous arrays of one shape and dtype, split over the batch-parallel threads
    (the tape's sum of the gradients reaching a tensor from two consumers)."""
    out = np.empty_like(a)
    x, y, dst = a.reshape(-1), b.reshape(-1), out.reshape(-1)
    _flat_chunks(lambda lo, hi: _add_flat(x, y, dst, lo, hi), dst.size)
    return out


@njit(cache=True, nogil=True)
def layer_norm_forward(x, gamma, beta, epsilon, rms):
    """Normalize each row of 2-D `x`, then scale and shift per column.

    Returns (out, mean, inv_std) per row; with `rms` the mean is not subtracted
    (root-mean-square scaling) and the returned mean is zero.
    """
    rows, cols = x.shape
    out = np.empty_like(x)
    mean = np.zeros(rows, dtype=x.dtype)
    inv_std = np.empty(rows, dtype=x.dtype)
    for i in range(rows):
        m = 0.0
        if not rms:
            for j in range(cols):
                m += x[i, j]
            m /= cols
        q = 0.0
        for j in range(cols):
            d = x[i, j] - m
            q += d * d
        inv = 1.0 / np.sqrt(q / cols + epsilon)
        mean[i] = m
        inv_std[i] = inv
        for j in range(cols):
            out[i, j] = (x[i, j] - m) * inv * gamma[j] + beta[j]
    return out, mean, inv_std


@njit(cache=True, nogil=True)
def layer_norm_backward(x, grad, mean, inv_std, gamma, rms):
    """(dx, dgamma, dbeta) of layer_norm_forward."""
    rows, cols = x.shape
    dx = np.empty_like(x)
    for i in range(rows):
        s1 = 0.0
        s2 = 0.0
        for j in range(cols):
            gh = grad[i, j] * gamma[j]
            xhat = (x[i, j] - mean[i]) * inv_std[i]
            s1 += gh
            s2 += gh * xhat
        for j in range(cols):
            gh = grad[i, j] * gamma[j]
            xhat = (x[i, j] - mean[i]) * inv_std[i]
            if rms:
                dx[i, j] = inv_std[i] * (gh - xhat * s2 / cols)
            else:
                dx[i, j] = inv_std[i] * (gh - s1 / cols - xhat * s2 / cols)
    dgamma = np.zeros(cols, dtype=np.float64)
    dbeta = np.zeros(cols, dtype=np.float64)
    for i in range(rows):
        for j in range(cols):
            g = grad[i, j]
            dbeta[j] += g
            dgamma[j] += g * (x[i, j] - mean[i]) * inv_std[i]
    return dx, dgamma.astype(x.dtype), dbeta.astype(x.dtype)


def _warm(dtype):
    x = np.arange(6, dtype=dtype).reshape(2, 3)
    g = np.ones(3, dtype=dtype)
    b = np.zeros(3, dtype=dtype)
    mean, var = batch_moments(x)
    out, inv = batch_norm_forward(x, mean, var, g, b, 1e-3)
    batch_norm_backward(x, out, mean, inv, g, True)
    out, inv = batch_norm_forward(x, mean, var, g, b, 1e-3, 6.0)
    batch_norm_backward(x, out, mean, inv, g, True, b, 6.0)
    relu_backward(x, relu_forward(x, 6.0), 6.0)
    relu_backward(add_relu_forward(x, x), add(x, x))
    out, m, inv = layer_norm_forward(x, g, b, 1e-3, False)
    layer_norm_backward(x, out, m, inv, g, False)


def _warm32():
    _warm(np.float32)


def _warm64():
    _warm(np.float64)


WARMUP = (_warm32, _warm64)
