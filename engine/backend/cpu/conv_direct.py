"""Direct (column-free) depthwise convolution kernels (CPU), channels-last.

A depthwise conv (groups == input channels, `depth_multiplier` filters per channel, as
DepthwiseConv1D/2D and the first half of SeparableConv) went through the grouped im2col +
GEMM path as one tiny GEMM per channel: 40 ms forward and 88 ms backward for a 3x3 conv
over 64x16x16x96 on two threads. These kernels take one pass per output position over all
channels (the channel loop vectorizes): about 1 ms forward and 2 ms backward. The backward
pass forms the activation's derivative, the bias sum, the filter gradient and the
scatter-added data gradient in the same walk.

Arrays use the 3-D layout of `conv.py`: x is (batch, D, H, W, channels), geometry comes as
(KD, KH, KW), strides, dilations and pads before each axis. Output channel c * m + j comes
from input channel c and filter j, as in Keras. Loops index flat arrays with unsigned
integers (see `conv._column_walk`). Each call works on the samples it is given; `conv.py`
splits the batch over threads, each thread with its own gradient sums.

A direct kernel for shallow inputs (1-3 channels) was measured too and dropped: with the
accumulator row in memory rather than registers it ran no faster than im2col + GEMM
(W2's first conv: 1.6 ms against 1.3 ms forward on two threads).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from engine.backend.cpu.dense import bias_activation


@njit(cache=True, nogil=True, inline="always")
def _derivative(dz, g, y, base, width, act):
    """dz[0:width] = g[base:...] * activation'(from the output y[base:...])."""
    zero = dz.dtype.type(0)
    for f in range(width):
        gv = g[base + f]
        if act == 1:
            dz[f] = zero if y[base + f] <= 0 else gv
        elif act == 2:
            yv = y[base + f]
            dz[f] = gv * yv * (1 - yv)
        elif act == 3:
            yv = y[base + f]
            dz[f] = gv * (1 - yv * yv)
        else:
            dz[f] = gv


@njit(cache=True, nogil=True)
def depthwise_forward(x, weights, bias, has_bias, act, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, out):
    """out (n, od, oh, ow, C * m) = activation(depthwise conv(x, weights) + bias);
    `weights` is (taps, C * m)."""
    n_batch, in_d, in_h, in_w, chans = x.shape
    od, oh, ow, width = out.shape[1], out.shape[2], out.shape[3], out.shape[4]
    mult = uint64(width // chans)
    cells, wflat, dst = x.reshape(-1), weights.reshape(-1), out.reshape(-1)
    f_n, c_n = uint64(width), uint64(chans)
    zero = dst.dtype.type(0)
    per_sample = od * oh * ow
    for n in range(n_batch):
        for z in range(od):
            for y in range(oh):
                for x_ in range(ow):
                    base = uint64(((n * od + z) * oh + y) * ow + x_) * f_n
                    for f in range(f_n):
                        dst[base + f] = bias[f] if has_bias else zero
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
                                src = uint64(((n * in_d + iz) * in_h + iy) * in_w + ix) * c_n
                                wrow = uint64((a * kh + b) * kw + c) * f_n
                                if mult == 1:
                                    for ch in range(c_n):
                                        dst[base + ch] += cells[src + ch] * wflat[wrow + ch]
                                else:
                                    for ch in range(c_n):
                                        v = cells[src + ch]
                                        for j in range(mult):
                                            dst[base + ch * mult + j] += v * wflat[wrow + ch * mult + j]
        if act:
            sample = out.reshape(n_batch, per_sample, width)[n]
            bias_activation(sample, bias, False, act)


@njit(cache=True, nogil=True)
def depthwise_backward(x, out, grad, weights, act, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw,
                       dx, need_data, dweights, dbias):
    """The gradients of `depthwise_forward` over these samples in one walk: dx (zeroed and
    scatter-added, when `need_data`), and dweights (taps, C * m) and dbias (C * m,) added to."""
    n_batch, in_d, in_h, in_w, chans = x.shape
    od, oh, ow, width = grad.shape[1], grad.shape[2], grad.shape[3], grad.shape[4]
    mult = uint64(width // chans)
    cells, g, y = x.reshape(-1), grad.reshape(-1), out.reshape(-1)
    wflat, dwf = weights.reshape(-1), dweights.reshape(-1)
    into = dx.reshape(-1)
    if need_data:
        into[:] = 0
    f_n, c_n = uint64(width), uint64(chans)
    dz = np.empty(width, dtype=grad.dtype)
    for n in range(n_batch):
        for z in range(od):
            for yo in range(oh):
                for x_ in range(ow):
                    base = uint64(((n * od + z) * oh + yo) * ow + x_) * f_n
                    _derivative(dz, g, y, base, f_n, act)
                    for f in range(f_n):
                        dbias[f] += dz[f]
                    for a in range(kd):
                        iz = z * sd - pd + a * dd
                        if iz < 0 or iz >= in_d:
                            continue
                        for b in range(kh):
                            iy = yo * sh - ph + b * dh
                            if iy < 0 or iy >= in_h:
                                continue
                            for c in range(kw):
                                ix = x_ * sw - pw + c * dw
                                if ix < 0 or ix >= in_w:
                                    continue
                                src = uint64(((n * in_d + iz) * in_h + iy) * in_w + ix) * c_n
                                wrow = uint64((a * kh + b) * kw + c) * f_n
                                if mult == 1:
                                    for ch in range(c_n):
                                        dwf[wrow + ch] += cells[src + ch] * dz[ch]
                                    if need_data:
                                        for ch in range(c_n):
                                            into[src + ch] += wflat[wrow + ch] * dz[ch]
                                else:
                                    for ch in range(c_n):
                                        v = cells[src + ch]
                                        acc = dz.dtype.type(0)
                                        for j in range(mult):
                                            k = ch * mult + j
                                            dwf[wrow + k] += v * dz[k]
                                            acc += wflat[wrow + k] * dz[k]
                                        if need_data:
                                            into[src + ch] += acc
