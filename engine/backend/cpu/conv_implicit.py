"""Implicit-GEMM convolution (CPU, float32, no dilation): no column matrix.

im2col copies every input cell once per tap before the GEMM reads it; for a 3x3 conv with
few channels (16 in, 16 out: W6's ResNet blocks) that copy was a third of the forward
time, and OpenBLAS ran the thin (positions x 144) @ (144 x 16) product at ~60 GFLOP/s.

Here each sample is copied once into a zero-padded image of `hp` rows of `wp` cells, the input's
reach (`_pad_sample`). The "column" row of output cell (y, x) is then kh runs of `kw * channels`
contiguous numbers of that image (a stride moves where a run starts, never splits it), starting
at cell `y * sh * wp + x * sw` and `wp` cells apart per kernel row: `conv_tiles.gather_tile`
reads them straight from the image (one start offset per output cell), keeps a 6 x 16 block of
outputs in AVX2 registers over the whole kh * kw * channels depth, and stores it once, into
the output itself when its width is whole 16-wide panels. Only real output cells are computed.

The data gradient of a stride-1 conv is the same operation on the output gradient with the
kernel turned 180 degrees and its channel axes swapped, padded by `k - 1 - pad` (here the whole
padded grid is output: `conv.implicit_plan` keeps grids much larger than the output on col2im).

The filter gradient of tap (b, c) is a_bc^T @ dz, where column `ch` of a_bc is channel ch of
the padded image from cell `b * wp + c` on, over the output cells. The same tile computes it
with the roles turned: its rows are the kh * kw * channels (tap, channel) pairs, each read
with a step of `sw * channels` numbers (so the image needs no transposing) in `oh` runs of `ow`
cells (one per output row, `sh * wp` cells apart), and dz itself is the 16-wide operand; each
block of dk stays in registers over a whole sample and is added to over the samples.

Each kernel takes a whole range of samples (a thread's share) and goes through it one sample
at a time, so a call costs its Python overhead once per thread, not once per sample.

Measured on one thread (shared machine), 32 samples, 3x3, forward / filter gradient:
32x32x16 -> 16 2.40 / 2.30 ms with the previous kernel (one tile call per kernel row through a
padded-grid scratch, copied out; dz packed and the image transposed to channel planes), 1.77 /
1.73 ms now; 32x32x3 -> 16 (a stem conv) 0.99 / 0.89 -> 0.42 / 0.37 ms; 16x16x32 -> 32 2.08 /
2.27 -> 1.65 / 1.91 ms. A 3x3 stride-2 32x32x16 -> 32 forward (64 samples, 2 threads) 1.3 ms
against 4.0 ms through im2col.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu.conv_tiles import gather_tile
from engine.backend.cpu.gemm_tiles import PANEL, _tile1, _tile2, _tile3, _tile4, _tile5, _tile6, pack, padded_columns


def pack_taps(kernel):
    """kernel (kh, kw, channels, out) as a (kh * kw * channels, out rounded up to 16) zero-padded matrix."""
    kh, kw, chans, out = kernel.shape
    b = np.zeros((kh * kw * chans, padded_columns(out)), dtype=np.float32)
    b[:, :out] = kernel.reshape(kh * kw * chans, out)
    return b


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
def _pad_sample(x, n, ph, pw, hp, wp, padded):
    """padded (hp * wp * C,) = sample n of x (n, h, w, C) at row ph, cell pw of an hp x wp grid, cut
    at the grid's edges (its other cells are zero already: every sample writes the same cells)."""
    in_h, in_w, chans = x.shape[1], x.shape[2], x.shape[3]
    run = min(in_w, wp - pw) * chans
    for y in range(min(in_h, hp - ph)):
        at = ((y + ph) * wp + pw) * chans
        padded[at:at + run] = x[n, y].reshape(-1)[:run]


@njit(cache=True, nogil=True)
def _conv_rows(x, b, kh, sh, sw, ph, pw, oh, ow, c):
    n_batch, chans = x.shape[0], x.shape[3]
    panels = b.shape[1] // PANEL
    kw = b.shape[0] // (kh * chans)
    hp, wp = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    padded = np.zeros(hp * wp * chans, dtype=np.float32)
    cells = oh * ow
    starts = np.zeros(-(-cells // 6) * 6, dtype=np.intp)
    for y in range(oh):
        for x_ in range(ow):
            starts[y * ow + x_] = (y * sh * wp + x_ * sw) * chans
    for n in range(n_batch):
        _pad_sample(x, n, ph, pw, hp, wp, padded)
        dest = c[n * cells:(n + 1) * cells]
        for i in range(0, cells, 6):
            for p in range(panels):
                gather_tile(padded, starts, i, kh, wp * chans, 1, b, p, dest, cells, False)


def implicit_conv(x, b, kh, ph, pw, out, strides=(1, 1)):
    """out (n, oh, ow, F) = conv of x (n, h, w, C) with the `pack_taps` kernel b (kh rows) at these
    strides, x read as if padded by ph rows above and pw cells left (zeros past its other edges up to
    the output's reach)."""
    n_batch, oh, ow, f_out = out.shape
    x = np.ascontiguousarray(x, dtype=np.float32)
    if f_out == b.shape[1] and out.flags.c_contiguous:
        _conv_rows(x, b, kh, strides[0], strides[1], ph, pw, oh, ow, out.reshape(-1, f_out))
        return
    scratch = np.empty((n_batch * oh * ow, b.shape[1]), dtype=np.float32)
    _conv_rows(x, b, kh, strides[0], strides[1], ph, pw, oh, ow, scratch)
    out[...] = scratch[:, :f_out].reshape(out.shape)


@njit(cache=True, nogil=True)
def _filter_rows(x, dz, kh, kw, sh, sw, ph, pw, dk):
    n_batch, chans = x.shape[0], x.shape[3]
    oh, ow = dz.shape[1], dz.shape[2]
    hp, wp = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    padded = np.zeros(hp * wp * chans, dtype=np.float32)
    panels = dk.shape[1] // PANEL
    taps = kh * kw * chans
    starts = np.zeros(-(-taps // 6) * 6, dtype=np.intp)
    for b in range(kh):
        for c in range(kw):
            for ch in range(chans):
                starts[(b * kw + c) * chans + ch] = (b * wp + c) * chans + ch
    cells = oh * ow
    rows = dz.reshape(n_batch * cells, dz.shape[3])
    for n in range(n_batch):
        _pad_sample(x, n, ph, pw, hp, wp, padded)
        g = rows[n * cells:(n + 1) * cells]
        for i in range(0, taps, 6):
            for p in range(panels):
                gather_tile(padded, starts, i, oh, sh * wp * chans, sw * chans, g, p, dk, taps, n > 0)


def implicit_filter_grad(x, dz, kh, kw, ph, pw, dk, strides=(1, 1)):
    """dk (kh, kw, C, F) = the kernel gradient of `implicit_conv`, summed over the samples of x
    (n, h, w, C) and dz (n, oh, ow, F)."""
    f_out = dz.shape[-1]
    width = padded_columns(f_out)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if width != f_out:
        wide = np.zeros(dz.shape[:3] + (width,), dtype=np.float32)
        wide[..., :f_out] = dz
        dz = wide
    dz = np.ascontiguousarray(dz, dtype=np.float32)
    if width == f_out and dk.flags.c_contiguous:
        _filter_rows(x, dz, kh, kw, strides[0], strides[1], ph, pw, dk.reshape(-1, f_out))
        return
    scratch = np.empty((kh * kw * x.shape[-1], width), dtype=np.float32)
    _filter_rows(x, dz, kh, kw, strides[0], strides[1], ph, pw, scratch)
    dk[...] = scratch[:, :f_out].reshape(dk.shape)


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
    b = pack_taps(np.ones((2, 2, 2, 3), dtype=np.float32))
    implicit_conv(x, b, 2, 1, 0, np.empty((1, 3, 3, 3), dtype=np.float32))
    implicit_filter_grad(x, np.ones((1, 3, 3, 3), dtype=np.float32), 2, 2, 1, 0,
                         np.empty((2, 2, 2, 3), dtype=np.float32))
    pointwise(np.ones((7, 2), dtype=np.float32), pack(np.ones((2, 3), dtype=np.float32)), 3,
              np.empty((7, 3), dtype=np.float32))


WARMUP = (_warm,)
