"""A float32 GEMM over a weight matrix packed once, for the recurrent step GEMMs.

Each step of a recurrent time loop multiplies a few batch rows by the same recurrent
kernel (e.g. 32x128 @ 128x512 for W3). OpenBLAS packs that kernel into its panel layout
on every call: for 32 rows the repacking of the 256 KB kernel is about a fifth of the
call (64 rows took 105 us, 32 rows 58 us). Here the kernel is packed once per sequence
(`pack`) into panels of `PANEL` columns, `packed[p, k, :] = b[k, p * PANEL:(p + 1) * PANEL]`
(zero-padded), and each step runs `gemm(a, packed, c, accumulate)`: a compiled micro-kernel
keeps a block of up to `ROWS` rows x `PANEL` columns of c in vector registers
(6 x 2 AVX2 registers of 8 floats, the register tile of OpenBLAS's Haswell kernel) while it
walks the shared dimension, broadcasting one element of a per row and loading one panel
row of b per step.

The micro-kernel is LLVM IR written with llvmlite (fused multiply-adds on <8 x float>
vectors), so it needs no BLAS library and compiles for any target; numba's cache keeps it.
`c` must have at least `padded_columns(n)` columns (the step loops allocate their scratch
outputs that wide); columns past n receive zeros times a. `a` and `c` may have row strides
longer than their rows; their last axis must be contiguous.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu.gemm_tiles import (PANEL, ROWS, _tile1, _tile2, _tile3, _tile4, _tile5, _tile6,  # noqa: F401
                                         pack, padded_columns)

def pack_view(b):
    """`pack(b)` in one strided copy, for any 2-D float32 view of b (K, N), such as a
    transposed kernel: packing recurrent_kernel.T through a contiguous copy took 190 us
    for 128x512 (a transposed copy, a padded copy and the panel copy), this about a third."""
    k, n = b.shape
    full = n // PANEL
    panels = padded_columns(n) // PANEL
    out = np.empty((panels, k, PANEL), np.float32)
    if full:
        out[:full] = b[:, :full * PANEL].reshape(k, full, PANEL).transpose(1, 0, 2)
    if panels > full:
        out[full] = 0.0
        out[full, :, :n - full * PANEL] = b[:, full * PANEL:]
    return out


@njit(cache=True, nogil=True, inline="always")
def _block(a, i, rows, packed, p, c, accumulate):
    """The tile of `rows` (1-6) rows starting at row i, panel p."""
    if rows == 6:
        _tile6(a, i, packed, p, c, accumulate)
    elif rows == 5:
        _tile5(a, i, packed, p, c, accumulate)
    elif rows == 4:
        _tile4(a, i, packed, p, c, accumulate)
    elif rows == 3:
        _tile3(a, i, packed, p, c, accumulate)
    elif rows == 2:
        _tile2(a, i, packed, p, c, accumulate)
    elif rows == 1:
        _tile1(a, i, packed, p, c, accumulate)


@njit(cache=True, nogil=True)
def gemm(a, packed, c, accumulate):
    """c[:, :padded] = a @ b (+ c when `accumulate`), b given as `pack(b)`; see the module docstring.

    Rows go in tiles of ROWS; a remainder of 1-3 rows shares the last full tile's rows
    instead (e.g. 32 rows: 6, 6, 6, 6, 4, 4 rather than 6 x 5 + 2): a tile of 1-3 rows has
    too few accumulators to hide the FMA latency. 3-4 % faster for the 32-row step GEMMs of
    W3's two threads, 12-15 % for 8 and 13 rows."""
    m = a.shape[0]
    panels = packed.shape[0]
    if a.shape[1] != packed.shape[1] or c.shape[0] < m or c.shape[1] < panels * PANEL:
        raise ValueError("packed_gemm.gemm: shapes do not match")
    if m > 0 and (a.strides[1] != 4 or c.strides[1] != 4):
        raise ValueError("packed_gemm.gemm: the last axes of a and c must be contiguous")
    full = m // ROWS
    left = m - full * ROWS
    first, second = left, 0
    if 0 < left < 4 and full > 0:
        full -= 1
        second = (ROWS + left) // 2
        first = ROWS + left - second
    for p in range(panels):
        i = 0
        for _ in range(full):
            _tile6(a, i, packed, p, c, accumulate)
            i += ROWS
        if first:
            _block(a, i, first, packed, p, c, accumulate)
            i += first
        if second:
            _block(a, i, second, packed, p, c, accumulate)
