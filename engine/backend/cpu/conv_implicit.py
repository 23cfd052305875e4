"""Implicit-GEMM convolution (CPU, float32, stride 1, no dilation): no column matrix.

im2col copies every input cell once per tap before the GEMM reads it; for a 3x3 conv with
few channels (16 in, 16 out: W6's ResNet blocks) that copy was a third of the forward
time, and OpenBLAS ran the thin (positions x 144) @ (144 x 16) product at ~60 GFLOP/s.

Here the input is copied once into a zero-padded image of width `wp = ow + kw - 1` and
the output is computed on that padded grid too (the `kw - 1` extra cells of each row are
thrown away). Then output row r (a padded-grid position) and kernel row b read the
`kw * channels` contiguous cells starting at cell `r + b * wp`: for every kernel row the
"columns" are an overlapping strided view of the padded image (row stride = channels),
with no copy. Each kernel row's weights (kw * channels, out) are packed into the panels of
`gemm_tiles` (the micro-kernel of `packed_gemm`: 6 rows x 16 outputs in AVX2 registers), which
accumulates the kernel rows' products into one tile before the next tile starts.

The data gradient of a stride-1 conv is the same operation on the output gradient with the
kernel turned 180 degrees and its channel axes swapped, padded by `k - 1 - pad`.
Measured on one thread, two 32x32x16 images, 3x3x16x16: im2col + np.dot 0.23 ms, this 0.16
ms; 32x32x3 -> 16 (a stem conv): 0.27 ms -> 0.05 ms.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu.gemm_tiles import PANEL, _tile1, _tile2, _tile3, _tile4, _tile5, _tile6, pack


def pack_rows(kernel):
    """kernel (kh, kw, channels, out) as per-kernel-row packed panels (kh, panels, kw * channels, PANEL)."""
    kh, kw, chans, out = kernel.shape
    return np.ascontiguousarray(np.stack([pack(np.ascontiguousarray(kernel[b], dtype=np.float32)
                                                           .reshape(kw * chans, out)) for b in range(kh)]))


def data_grad_kernel(kernel):
    """The (kh, kw, out, in) kernel whose stride-1 conv of the output gradient is the data gradient."""
    return np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))


@njit(cache=True, nogil=True, inline="always")
def _tile(a, i, left, packed, p, c, accumulate):
    if left >= 6:
        _tile6(a, i, packed, p, c, accumulate)
    elif left == 5:
        _tile5(a, i, packed, p, c, accumulate)
    elif left == 4:
        _tile4(a, i, packed, p, c, accumulate)
    elif left == 3:
        _tile3(a, i, packed, p, c, accumulate)
    elif left == 2:
        _tile2(a, i, packed, p, c, accumulate)
    else:
        _tile1(a, i, packed, p, c, accumulate)


@njit(cache=True, nogil=True)
def implicit_conv(x, packed, ph, pw, out):
    """out (n, oh, ow, F) = stride-1 conv of x (n, h, w, C) with the `pack_rows` kernel, x read as
    if padded by ph rows above and pw cells left (zeros past its other edges up to the output's reach)."""
    n_batch, in_h, in_w, chans = x.shape
    oh, ow, f_out = out.shape[1], out.shape[2], out.shape[3]
    kh, panels, depth = packed.shape[0], packed.shape[1], packed.shape[2]
    kw = depth // chans
    hp, wp = oh + kh - 1, ow + kw - 1
    image = hp * wp
    rows = (n_batch - 1) * image + oh * wp
    padded = np.zeros((n_batch * image + kw) * chans, dtype=np.float32)
    run = in_w * chans
    for n in range(n_batch):
        for y in range(in_h):
            at = ((n * hp + y + ph) * wp + pw) * chans
            padded[at:at + run] = x[n, y].reshape(-1)
    c = np.empty((rows, panels * PANEL), dtype=np.float32)
    bands = [np.lib.stride_tricks.as_strided(padded[b * wp * chans:], shape=(rows, depth), strides=(4 * chans, 4))
             for b in range(kh)]
    for i in range(0, rows, 6):
        left = min(6, rows - i)
        for p in range(panels):
            for b in range(kh):
                _tile(bands[b], i, left, packed[b], p, c, b > 0)
    for n in range(n_batch):
        for y in range(oh):
            base = n * image + y * wp
            for x_ in range(ow):
                out[n, y, x_, :] = c[base + x_, :f_out]


@njit(cache=True, nogil=True)
def implicit_filter_grad(x, dz, kh, kw, ph, pw, dk):
    """dk (kh, kw, C, F) = the kernel gradient of `implicit_conv` (stride 1) over these samples.

    On the padded grid, the gradient of tap (b, c) is a_bc @ dz, where row `ch` of a_bc is channel
    ch of the padded image from cell `b * wp + c` on: with the image stored as channel planes, each
    a_bc is a strided view (row stride = plane length), and dz laid out as 16-wide panels (zero on
    the grid's extra cells) is the packed operand. The micro-kernel then keeps a block of dk in
    registers over the whole sum of positions."""
    n_batch, in_h, in_w, chans = x.shape
    oh, ow, f_out = dz.shape[1], dz.shape[2], dz.shape[3]
    hp, wp = oh + kh - 1, ow + kw - 1
    image = hp * wp
    rows = (n_batch - 1) * image + oh * wp
    cells = n_batch * image + kw
    planes = np.zeros((chans, cells), dtype=np.float32)
    for n in range(n_batch):
        for y in range(in_h):
            at = (n * hp + y + ph) * wp + pw
            for x_ in range(in_w):
                for ch in range(chans):
                    planes[ch, at + x_] = x[n, y, x_, ch]
    panels = (f_out + PANEL - 1) // PANEL
    packed = np.zeros((panels, rows, PANEL), dtype=np.float32)
    for n in range(n_batch):
        for y in range(oh):
            base = n * image + y * wp
            for x_ in range(ow):
                for f in range(f_out):
                    packed[f // PANEL, base + x_, f % PANEL] = dz[n, y, x_, f]
    c = np.empty((chans, panels * PANEL), dtype=np.float32)
    flat = planes.reshape(-1)
    for b in range(kh):
        for cc in range(kw):
            a = np.lib.stride_tricks.as_strided(flat[b * wp + cc:], shape=(chans, rows), strides=(4 * cells, 4))
            for i in range(0, chans, 6):
                left = min(6, chans - i)
                for p in range(panels):
                    _tile(a, i, left, packed, p, c, False)
            dk[b, cc] = c[:, :f_out]


@njit(cache=True, nogil=True)
def dense_gemm(a, packed, c):
    """c[:, :panels * PANEL] = a @ b for b given as `pack(b)` (a 1x1 conv over rows of cells, or its data
    gradient); `a` and `c` need contiguous last axes, `c` at least the padded width.

    OpenBLAS ran these thin products (depth or width 16-24, e.g. 65536x16 @ 16x96 for MobileNet's
    expand conv) at 35-40 GFLOP/s on one core; the register tile keeps the whole depth in registers."""
    rows, panels = a.shape[0], packed.shape[0]
    for i in range(0, rows, 6):
        left = min(6, rows - i)
        for p in range(panels):
            _tile(a, i, left, packed, p, c, False)


def pointwise(a, packed, width, dest):
    """dest (rows, width) = a @ b, b given as `pack(b)` (`dense_gemm` through a padded scratch when
    `dest` is narrower than the packed panels or not contiguous)."""
    if dest.shape[1] == packed.shape[0] * PANEL and dest.flags.c_contiguous:
        dense_gemm(a, packed, dest)
        return
    scratch = np.empty((a.shape[0], packed.shape[0] * PANEL), dtype=np.float32)
    dense_gemm(a, packed, scratch)
    dest[...] = scratch[:, :width]


def _warm():
    x = np.ones((1, 3, 4, 2), dtype=np.float32)
    packed = pack_rows(np.ones((2, 2, 2, 3), dtype=np.float32))
    implicit_conv(x, packed, 1, 0, np.empty((1, 3, 3, 3), dtype=np.float32))
    implicit_filter_grad(x, np.ones((1, 3, 3, 3), dtype=np.float32), 2, 2, 1, 0,
                         np.empty((2, 2, 2, 3), dtype=np.float32))
    pointwise(np.ones((7, 2), dtype=np.float32), pack(np.ones((2, 3), dtype=np.float32)), 3,
              np.empty((7, 3), dtype=np.float32))


WARMUP = (_warm,)
