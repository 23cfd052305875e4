"""Winograd F(4x4, 3x3) convolution (CPU, float32): 3x3 stride-1 convs with 4x fewer multiplies
than the direct sum.

A 4x4 block of outputs (a tile) of a 3x3 conv reads a 6x6 block `d` of the (zero-padded) input.
With the fixed matrices B (6x6), G (6x3) and A (6x4) of Lavin & Gray's F(4, 3),

    y = A^T [ (G g G^T) * (B^T d B) ] A        (* elementwise, summed over input channels)

so for each of the 36 positions of the transform domain the channel sum is one GEMM,
(tiles x C) @ (C x F): 36 multiplies per 16 outputs and channel pair instead of 144 (F(2x2, 3x3),
16 per 4, was measured slower on every shape: its transforms cost more per output). Here the input transform of a chunk of tiles goes
into a small buffer V (positions, tiles, C), the GEMMs run on the register tile of `gemm_tiles`
against the transformed kernel U (one `gemm_tiles.pack`ed matrix per position), and the output
transform writes the outputs straight into the result; a chunk is a few rows of tiles, so V and
the products stay in L2. The transforms work on 8 channels at a time (`winograd_tiles`), so
both channel counts must be multiples of 8.

The filter gradient is the adjoint of the same map in g:

    dg = G^T [ sum over tiles of (B^T d B) * (A dy A^T) ] G

here one GEMM (C x tiles) @ (tiles x F) per position and chunk, summed into dU over the samples,
and G^T dU G once at the end. The data gradient of a stride-1 conv is a stride-1 conv of the
output gradient with the kernel turned round (`conv_implicit.data_grad_kernel`), so it is
`winograd_conv` too.

Rounding: the transforms have entries up to 8 and G entries down to 1/24, so float32 results
differ from the direct sum by more than its own rounding: 2-5e-6 of the largest output
(`tests/engine/test_conv_winograd.py` bounds it against float64).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu.conv_implicit import _pad_sample, _tile, data_grad_kernel
from engine.backend.cpu.conv_tiles import gather_tile
from engine.backend.cpu.gemm_tiles import PANEL, padded_columns
from engine.backend.cpu.winograd_tiles import A_T, B_T, gradient_transform, input_transform, output_transform

# A chunk's transformed input and products (positions x tiles x channels floats each) take at
# most about this many bytes, so they stay in one core's L2 (512 KiB here). W6 under `python -m
# bench --quick`, ours/torch: 192 KiB 0.96-1.00 (3 runs), 384 KiB 0.88-0.94 (5), 640 KiB
# 0.90-0.94 (5), 1280 KiB 0.91-0.98 (2); smaller chunks cost more GEMM calls per sample.
CHUNK_BYTES = 384 * 1024

# outputs per tile side, and input cells per tile side
TILE = 4
SIDE = TILE + 2
POSITIONS = SIDE * SIDE

G = np.array([[1 / 4, 0.0, 0.0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
              [1 / 24, -1 / 12, 1 / 6], [0.0, 0.0, 1.0]])
# the matrices of the intrinsics, for tests that check the whole scheme in float64
MATRICES = (np.array(B_T, float), G, np.array(A_T, float))


# A conv takes these kernels with at least MIN_DEPTH input channels (the GEMM depth), and its
# filter gradient where the output has at least MIN_FILTER_CELLS cells and its 4x4 tiles cover at
# most MAX_FILTER_GRID times as many (a 7x7 output computes 64 cells for 49, and each tile's GEMM
# is only as deep as the tiles). Measured (one thread, 32 samples, forward / filter gradient ms,
# F(4x4) / F(2x2) / implicit GEMM): 32x32x16 -> 16 1.15 / 1.38 / 1.75 and 1.23 / 1.50 / 1.70;
# 16x16x32 -> 32 0.74 / 1.03 / 1.70 and 1.19 / 1.29 / 1.95; 8x8x64 -> 64 0.57 / 0.85 / 1.80 and
# 1.66 / 1.40 / 1.83; 14x14x64 -> 64 2.22 / 2.69 / 5.39 and 3.56 / 3.46 / 5.99; 7x7x32 -> 32
# 0.19 / 0.26 / 0.36 and 0.58 / 0.45 / 0.34; 32x32x8 -> 16 (too shallow) 0.72 / 0.92 / 0.90 and
# 0.79 / 1.03 / 0.85.
MIN_DEPTH = 16
MIN_FILTER_CELLS = 64
MAX_FILTER_GRID = 1.35


def plan(x_shape, kernel_shape, strides, pads, out_spatial, part="forward"):
    """Whether a float32 one-group undilated 2-D conv (`conv.implicit_plan` checks those) suits these
    kernels for `part` ("forward", "data" or "filter" gradient): a 3x3 kernel at stride 1, channel
    counts that are multiples of 8 (the transforms' vector width), at least MIN_DEPTH channels into
    the GEMM (input channels, or output channels for the data gradient); the data gradient also
    needs padding of at most 2 before each axis, the filter gradient an output grid the tiles fit."""
    if tuple(kernel_shape[:3]) != (1, 3, 3) or tuple(strides) != (1, 1, 1):
        return False
    chans, out_ch = x_shape[-1], kernel_shape[-1]
    if chans % 8 or out_ch % 8:
        return False
    if part == "data":
        return out_ch >= MIN_DEPTH and pads[1] <= 2 and pads[2] <= 2
    if chans < MIN_DEPTH:
        return False
    if part == "filter":
        _, oh, ow = out_spatial
        grid = -(-oh // TILE) * TILE * -(-ow // TILE) * TILE
        return oh * ow >= MIN_FILTER_CELLS and grid <= MAX_FILTER_GRID * oh * ow
    return True


def transform_kernel(kernel):
    """kernel (3, 3, C, F) as U: one `gemm_tiles.pack`ed (C x F) matrix per position of the 6x6 transform
    domain, (36, panels, C, 16) float32."""
    side = SIDE
    chans, out = kernel.shape[2], kernel.shape[3]
    width = padded_columns(out)
    g = np.zeros((3, 3, chans, width), dtype=np.float64)
    g[..., :out] = kernel
    # G g G^T for every (channel, output) pair: the rows of G, then its columns
    rows = np.tensordot(G, g, axes=(1, 0))  # (side, 3, C, width)
    u = np.tensordot(rows, G, axes=(1, 1))  # (side, C, width, side)
    u = u.reshape(side, chans, width // PANEL, PANEL, side).transpose(0, 4, 2, 1, 3)
    return np.ascontiguousarray(u, dtype=np.float32).reshape(side * side, width // PANEL, chans, PANEL)


def kernel_gradient(du, out_channels):
    """dU (36, C, F padded) summed over the tiles as the (3, 3, C, F) kernel gradient G^T dU G."""
    du = du[:, :, :out_channels].astype(np.float64).reshape(SIDE, SIDE, du.shape[1], out_channels)
    rows = np.tensordot(G, du, axes=(0, 0))  # (3, SIDE, C, F)
    dk = np.tensordot(rows, G, axes=(1, 0))  # (3, C, F, 3)
    return np.ascontiguousarray(dk.transpose(0, 3, 1, 2), dtype=np.float32)


@njit(cache=True, nogil=True)
def _transform_input(padded, wp, chans, ty0, rows, tw, v, t0):
    """v[pos, t0 + t, :] = (B^T d B)[pos] for tile t of tile rows ty0 .. ty0 + rows (d: its a x a cells
    of the padded sample, wp cells a row), 8 channels at a time."""
    vf = v.reshape(-1)
    plane = v.shape[1] * chans
    row_len = wp * chans
    for r in range(rows):
        for tx in range(tw):
            t = t0 + r * tw + tx
            at = TILE * (ty0 + r) * row_len + TILE * tx * chans
            for c in range(0, chans, 8):
                input_transform(padded, at + c, row_len, chans, SIDE, SIDE, vf, t * chans + c, SIDE * plane, plane,
                                SIDE, SIDE)


@njit(cache=True, nogil=True)
def _transform_outputs(to_grid, grid, n, ty0, rows, tw, buf, t0):
    """Between sample n of an output-sized grid (n, oh, ow, F) and the chunk buffer buf (positions, tiles,
    F padded), for tile t of tile rows ty0 .. ty0 + rows: with `to_grid`, the outputs
    grid[n, 4 ty + i, 4 tx + j, :] = (A^T M_(t0 + t) A)[i, j] inside the grid; otherwise the output
    gradient's transform buf[pos, t0 + t, :] = (A dy_t A^T)[pos] (cells past the grid's edges as zero)."""
    oh, ow, f_out = grid.shape[1], grid.shape[2], grid.shape[3]
    gf = grid.reshape(-1)
    bf = buf.reshape(-1)
    width = buf.shape[2]
    plane = buf.shape[1] * width
    for r in range(rows):
        y = TILE * (ty0 + r)
        for tx in range(tw):
            t = t0 + r * tw + tx
            x = TILE * tx
            at = ((n * oh + y) * ow + x) * f_out
            rows_in, cells_in = min(TILE, oh - y), min(TILE, ow - x)
            for f in range(0, f_out, 8):
                if to_grid:
                    output_transform(bf, t * width + f, SIDE * plane, plane, SIDE, SIDE,
                                     gf, at + f, ow * f_out, f_out, rows_in, cells_in)
                else:
                    gradient_transform(gf, at + f, ow * f_out, f_out, rows_in, cells_in,
                                       bf, t * width + f, SIDE * plane, plane, SIDE, SIDE)


@njit(cache=True, nogil=True)
def _chunks(n_batch, th, tw, positions, floats_per_tile):
    """The chunks of a thread's samples, (first sample, samples, first tile row, tile rows) each, and the
    most tiles in one: rows of tiles of one sample, or whole samples together when a sample has
    fewer tiles than fit in CHUNK_BYTES (so a chunk's GEMMs are not a few rows deep)."""
    chunk_tiles = max(6, CHUNK_BYTES // (4 * positions * floats_per_tile))
    per_sample = th * tw
    if per_sample >= chunk_tiles:
        rows = max(1, chunk_tiles // tw)
        plan = [(n, 1, ty0, min(rows, th - ty0)) for n in range(n_batch) for ty0 in range(0, th, rows)]
        return plan, rows * tw
    group = chunk_tiles // per_sample
    return [(n0, min(group, n_batch - n0), 0, th) for n0 in range(0, n_batch, group)], group * per_sample


@njit(cache=True, nogil=True)
def _conv_samples(x, u, ph, pw, out):
    n_batch, chans = x.shape[0], x.shape[3]
    oh, ow = out.shape[1], out.shape[2]
    positions, panels = u.shape[0], u.shape[1]
    th, tw = -(-oh // TILE), -(-ow // TILE)
    hp, wp = TILE * th + 2, TILE * tw + 2
    plan, most = _chunks(n_batch, th, tw, positions, chans + panels * PANEL)
    padded = np.zeros(hp * wp * chans, dtype=np.float32)
    # one spare tile between positions: a stride of a whole 4 KiB would put every position's
    # cells in one L1 set
    v = np.empty((positions, most + 1, chans), dtype=np.float32)
    prods = np.empty((positions, most + 1, panels * PANEL), dtype=np.float32)
    for n0, samples, ty0, rows in plan:
        for k in range(samples):
            _pad_sample(x, n0 + k, ph, pw, hp, wp, padded)
            _transform_input(padded, wp, chans, ty0, rows, tw, v, k * rows * tw)
        tiles = samples * rows * tw
        for pos in range(positions):
            vp, mp, up = v[pos], prods[pos], u[pos]
            for i in range(0, tiles, 6):
                left = min(6, tiles - i)
                for p in range(panels):
                    _tile(vp, i, left, up, p, mp, False)
        for k in range(samples):
            _transform_outputs(True, out, n0 + k, ty0, rows, tw, prods, k * rows * tw)


def winograd_conv(x, u, ph, pw, out):
    """out (n, oh, ow, F) = the 3x3 stride-1 conv of x (n, h, w, C) whose `transform_kernel` is u, x read
    as if padded by ph rows above and pw cells left (zeros past its other edges)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    _conv_samples(x, u, ph, pw, out)


@njit(cache=True, nogil=True)
def _filter_samples(x, dz, ph, pw, du):
    n_batch, chans = x.shape[0], x.shape[3]
    oh, ow = dz.shape[1], dz.shape[2]
    positions, width = du.shape[0], du.shape[2]
    panels = width // PANEL
    th, tw = -(-oh // TILE), -(-ow // TILE)
    hp, wp = TILE * th + 2, TILE * tw + 2
    plan, most = _chunks(n_batch, th, tw, positions, chans + width)
    cap = most + 1  # + 1: as in _conv_samples
    padded = np.zeros(hp * wp * chans, dtype=np.float32)
    v = np.empty((positions, cap, chans), dtype=np.float32)
    vf = v.reshape(-1)
    dm = np.zeros((positions, cap, width), dtype=np.float32)
    # row j of the (channels x tiles) operand of a position: channel j of every tile, `chans` apart
    starts = np.zeros(-(-chans // 6) * 6, dtype=np.intp)
    first = True
    for n0, samples, ty0, rows in plan:
        for k in range(samples):
            _pad_sample(x, n0 + k, ph, pw, hp, wp, padded)
            _transform_input(padded, wp, chans, ty0, rows, tw, v, k * rows * tw)
            _transform_outputs(False, dz, n0 + k, ty0, rows, tw, dm, k * rows * tw)
        tiles = samples * rows * tw
        for pos in range(positions):
            for j in range(chans):
                starts[j] = pos * cap * chans + j
            g, d = dm[pos, :tiles], du[pos]
            for i in range(0, chans, 6):
                for p in range(panels):
                    gather_tile(vf, starts, i, 1, 0, chans, g, p, d, chans, not first)
        first = False


def transform_data_kernel(kernel):
    """U of the stride-1 conv whose output is the data gradient of a conv with this (3, 3, C, F) kernel."""
    return transform_kernel(data_grad_kernel(kernel))


def winograd_data_grad(dz, u, ph, pw, dx):
    """dx (n, h, w, C) = the data gradient of a 3x3 stride-1 conv padded by ph rows above and pw cells left,
    from its output gradient dz (n, oh, ow, F) and `transform_data_kernel(kernel)` u: the conv of dz
    padded by 2 - ph and 2 - pw."""
    winograd_conv(dz, u, 2 - ph, 2 - pw, dx)


def winograd_filter_grad(x, dz, ph, pw, dk):
    """dk (3, 3, C, F) = the kernel gradient of `winograd_conv` summed over the samples of x (n, h, w, C)
    and its output gradient dz (n, oh, ow, F)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    dz = np.ascontiguousarray(dz, dtype=np.float32)
    f_out = dz.shape[-1]
    du = np.empty((POSITIONS, x.shape[-1], padded_columns(f_out)), dtype=np.float32)
    _filter_samples(x, dz, ph, pw, du)
    dk[...] = kernel_gradient(du, f_out)


def _warm():
    x = np.ones((1, 3, 3, 8), dtype=np.float32)
    u = transform_kernel(np.ones((3, 3, 8, 8), dtype=np.float32))
    winograd_conv(x, u, 1, 1, np.empty((1, 3, 3, 8), dtype=np.float32))
    winograd_filter_grad(x, np.ones((1, 3, 3, 8), dtype=np.float32), 1, 1, np.empty((3, 3, 8, 8), dtype=np.float32))


WARMUP = (_warm,)
