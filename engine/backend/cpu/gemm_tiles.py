"""The register-tiled float32 micro-kernel of `packed_gemm`, shared by the recurrent step GEMMs
and the implicit-GEMM convolution (`conv_implicit`).

`pack(b)` lays a weight matrix out in panels of PANEL columns; `_tile1` .. `_tile6` are numba
intrinsics (LLVM IR, inlined into the compiled caller) that compute one block of 1-6 rows x PANEL
columns. This module compiles nothing itself, so the kernel modules that use it share no cached
function (see the rule in `warmup.py`).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

PANEL = 16
ROWS = 6
_LANES = 8


def padded_columns(n):
    """Columns of a `pack`ed matrix with n columns (n rounded up to a whole panel)."""
    return -(-n // PANEL) * PANEL


def pack(b):
    """b (K, N) float32 as contiguous panels (ceil(N / PANEL), K, PANEL), zero-padded."""
    k, n = b.shape
    panels = padded_columns(n) // PANEL
    padded = np.zeros((k, panels * PANEL), np.float32)
    padded[:, :n] = b
    return np.ascontiguousarray(padded.reshape(k, panels, PANEL).transpose(1, 0, 2))


def _tile_intrinsic(rows):
    """An intrinsic tile(a, row, packed, panel, c, accumulate): c[row:row + rows, panel
    columns] (+)= a[row:row + rows] @ packed[panel], for a fixed number of rows."""
    vectors = PANEL // _LANES

    @intrinsic
    def tile(typingctx, a, row, packed, panel, c, accumulate):
        if any(getattr(t, "dtype", None) != types.float32 or t.ndim != n for t, n in ((a, 2), (packed, 3), (c, 2))):
            return None
        sig = types.void(a, row, packed, panel, c, accumulate)

        def codegen(context, builder, signature, args):
            a_v, row_v, p_v, panel_v, c_v, acc_v = args
            f32 = ir.FloatType()
            vec = ir.VectorType(f32, _LANES)
            vec_ptr = vec.as_pointer()
            intp = context.get_value_type(types.intp)
            a_arr = context.make_array(signature.args[0])(context, builder, a_v)
            p_arr = context.make_array(signature.args[2])(context, builder, p_v)
            c_arr = context.make_array(signature.args[4])(context, builder, c_v)
            four = ir.Constant(intp, 4)
            lda = builder.sdiv(cgutils.unpack_tuple(builder, a_arr.strides, 2)[0], four)
            ldc = builder.sdiv(cgutils.unpack_tuple(builder, c_arr.strides, 2)[0], four)
            depth = cgutils.unpack_tuple(builder, a_arr.shape, 2)[1]
            row_i = context.cast(builder, row_v, signature.args[1], types.intp)
            panel_i = context.cast(builder, panel_v, signature.args[3], types.intp)
            a_rows = [builder.gep(a_arr.data, [builder.mul(builder.add(row_i, ir.Constant(intp, r)), lda)])
                      for r in range(rows)]
            b_base = builder.gep(p_arr.data, [builder.mul(panel_i, builder.mul(depth, ir.Constant(intp, PANEL)))])
            c_cells = [[builder.bitcast(builder.gep(c_arr.data, [builder.add(
                builder.mul(builder.add(row_i, ir.Constant(intp, r)), ldc),
                builder.add(builder.mul(panel_i, ir.Constant(intp, PANEL)), ir.Constant(intp, v * _LANES)))]),
                vec_ptr) for v in range(vectors)] for r in range(rows)]
            slots = [[cgutils.alloca_once(builder, vec) for _ in range(vectors)] for _ in range(rows)]
            zero = ir.Constant(vec, [0.0] * _LANES)
            accumulate_b = context.cast(builder, acc_v, signature.args[5], types.boolean)
            with builder.if_else(accumulate_b) as (then, otherwise):
                with then:
                    for r in range(rows):
                        for v in range(vectors):
                            builder.store(builder.load(c_cells[r][v], align=4), slots[r][v])
                with otherwise:
                    for r in range(rows):
                        for v in range(vectors):
                            builder.store(zero, slots[r][v])
            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec, vec, vec]),
                                                 f"llvm.fma.v{_LANES}f32")
            undef = ir.Constant(vec, ir.Undefined)
            mask = ir.Constant(ir.VectorType(ir.IntType(32), _LANES), [0] * _LANES)
            with cgutils.for_range(builder, depth) as loop:
                k = loop.index
                b_row = builder.gep(b_base, [builder.mul(k, ir.Constant(intp, PANEL))])
                bs = [builder.load(builder.bitcast(builder.gep(b_row, [ir.Constant(intp, v * _LANES)]), vec_ptr),
                                   align=4) for v in range(vectors)]
                for r in range(rows):
                    scalar = builder.load(builder.gep(a_rows[r], [k]))
                    splat = builder.shuffle_vector(builder.insert_element(undef, scalar, ir.Constant(ir.IntType(32), 0)),
                                                   undef, mask)
                    for v in range(vectors):
                        builder.store(builder.call(fma, [splat, bs[v], builder.load(slots[r][v])]), slots[r][v])
            for r in range(rows):
                for v in range(vectors):
                    builder.store(builder.load(slots[r][v]), c_cells[r][v], align=4)
            return context.get_dummy_value()

        return sig, codegen

    return tile


_tile1, _tile2, _tile3, _tile4, _tile5, _tile6 = (_tile_intrinsic(r) for r in range(1, ROWS + 1))
