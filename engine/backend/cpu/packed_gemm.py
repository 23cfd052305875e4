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


@njit(cache=True, nogil=True)
def gemm(a, packed, c, accumulate):
    """c[:, :padded] = a @ b (+ c when `accumulate`), b given as `pack(b)`; see the module docstring."""
    m = a.shape[0]
    panels = packed.shape[0]
    if a.shape[1] != packed.shape[1] or c.shape[0] < m or c.shape[1] < panels * PANEL:
        raise ValueError("packed_gemm.gemm: shapes do not match")
    if m > 0 and (a.strides[1] != 4 or c.strides[1] != 4):
        raise ValueError("packed_gemm.gemm: the last axes of a and c must be contiguous")
    for p in range(panels):
        i = 0
        while i + ROWS <= m:
            _tile6(a, i, packed, p, c, accumulate)
            i += ROWS
        left = m - i
        if left == 1:
            _tile1(a, i, packed, p, c, accumulate)
        elif left == 2:
            _tile2(a, i, packed, p, c, accumulate)
        elif left == 3:
            _tile3(a, i, packed, p, c, accumulate)
        elif left == 4:
            _tile4(a, i, packed, p, c, accumulate)
        elif left == 5:
            _tile5(a, i, packed, p, c, accumulate)
