"""The transforms of the Winograd convolution (`conv_winograd`) on 8 channels at a time, in AVX2 registers.

Each transform is `Y = L X L^T` on a small grid of cells, where every cell is a vector of 8
consecutive channels: the input transform (L = B^T, 6x6 -> 6x6), the output transform
(L = A^T, 6x6 -> 4x4) and the output gradient's transform (L = A, 4x4 -> 6x6) of F(4x4, 3x3).
numba's loop vectorizer
left these loops scalar (16 loads and 16 stores per channel, too many pointers for its overlap
checks), ~8x slower than this.

`transform(src, s_at, s_row, s_cell, rows_in, cells_in, dst, d_at, d_row, d_cell, rows_out, cells_out)`
reads cell (i, j) of X from `src[s_at + i * s_row + j * s_cell:][:8]`, cells of rows >= rows_in or
columns >= cells_in as zero (not read: past an image's edge), and writes cell (a, b) of Y to
`dst[d_at + a * d_row + b * d_cell:][:8]` for a < rows_out and b < cells_out only. `src` and
`dst` are flat float32 arrays.

This module compiles nothing itself (LLVM-IR numba intrinsics inlined into their callers): a
change here reaches numba's cached kernels only once `conv_winograd.py` changes too.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_LANES = 8

# y = A^T [(G g G^T) * (B^T d B)] A (Lavin & Gray) with interpolation points 0, 1, -1, 2, -2 and
# infinity; G is applied to the kernel in numpy (`conv_winograd`).
B_T = ((4, 0, -5, 0, 1, 0), (0, -4, -4, 1, 1, 0), (0, 4, -4, -1, 1, 0), (0, -2, -1, 2, 1, 0),
         (0, 2, -1, -2, 1, 0), (0, 4, 0, -5, 0, 1))
A_T = ((1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0), (0, 1, 1, 4, 4, 0), (0, 1, -1, 8, -8, 1))


def _transposed(matrix):
    return tuple(zip(*matrix))


def _combine(builder, fma, vectors, coefficients):
    """sum_k coefficients[k] * vectors[k] (small integer coefficients): adds and subtracts for +-1,
    fused multiply-adds by a constant otherwise."""
    vec = vectors[0].type
    total = None
    for vector, coefficient in zip(vectors, coefficients):
        if coefficient == 0:
            continue
        if coefficient in (1, -1):
            if total is None:
                total = vector if coefficient == 1 else builder.fneg(vector)
            else:
                total = builder.fadd(total, vector) if coefficient == 1 else builder.fsub(total, vector)
            continue
        scale = ir.Constant(vec, [float(coefficient)] * _LANES)
        total = builder.fmul(scale, vector) if total is None else builder.call(fma, [scale, vector, total])
    if total is None:
        raise ValueError("a transform row of zeros")
    return total


def _transform_intrinsic(matrix):
    """An intrinsic computing L X L^T for L = `matrix` (see the module docstring)."""
    size_out, size_in = len(matrix), len(matrix[0])

    @intrinsic
    def transform(typingctx, src, s_at, s_row, s_cell, rows_in, cells_in, dst, d_at, d_row, d_cell, rows_out,
                  cells_out):
        if any(getattr(t, "dtype", None) != types.float32 or t.ndim != 1 for t in (src, dst)):
            return None
        sig = types.void(src, s_at, s_row, s_cell, rows_in, cells_in, dst, d_at, d_row, d_cell, rows_out, cells_out)

        def codegen(context, builder, signature, args):
            arg_types = signature.args
            intp = context.get_value_type(types.intp)
            vec = ir.VectorType(ir.FloatType(), _LANES)
            vec_ptr = vec.as_pointer()
            ints = [context.cast(builder, args[k], arg_types[k], types.intp) for k in range(12) if k not in (0, 6)]
            s_at_i, s_row_i, s_cell_i, rows_in_i, cells_in_i, d_at_i, d_row_i, d_cell_i, rows_out_i, cells_out_i = ints
            src_data = context.make_array(arg_types[0])(context, builder, args[0]).data
            dst_data = context.make_array(arg_types[6])(context, builder, args[6]).data

            def cell_pointer(data, at, row_step, cell_step, i, j):
                offset = builder.add(at, builder.add(builder.mul(row_step, ir.Constant(intp, i)),
                                                     builder.mul(cell_step, ir.Constant(intp, j))))
                return builder.bitcast(builder.gep(data, [offset]), vec_ptr)

            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec, vec, vec]),
                                                 f"llvm.fma.v{_LANES}f32")
            zero = ir.Constant(vec, [0.0] * _LANES)
            x = []
            for i in range(size_in):
                row = []
                for j in range(size_in):
                    slot = builder.alloca(vec)
                    builder.store(zero, slot)
                    inside = builder.and_(builder.icmp_signed("<", ir.Constant(intp, i), rows_in_i),
                                          builder.icmp_signed("<", ir.Constant(intp, j), cells_in_i))
                    with builder.if_then(inside, likely=True):
                        builder.store(builder.load(cell_pointer(src_data, s_at_i, s_row_i, s_cell_i, i, j), align=4),
                                      slot)
                    row.append(builder.load(slot))
                x.append(row)
            # T = L X (rows), then Y = T L^T (columns)
            t = [[_combine(builder, fma, [x[i][j] for i in range(size_in)], matrix[a]) for j in range(size_in)]
                 for a in range(size_out)]
            y = [[_combine(builder, fma, t[a], matrix[b]) for b in range(size_out)] for a in range(size_out)]
            for a in range(size_out):
                for b in range(size_out):
                    inside = builder.and_(builder.icmp_signed("<", ir.Constant(intp, a), rows_out_i),
                                          builder.icmp_signed("<", ir.Constant(intp, b), cells_out_i))
                    with builder.if_then(inside, likely=True):
                        builder.store(y[a][b], cell_pointer(dst_data, d_at_i, d_row_i, d_cell_i, a, b), align=4)
            return context.get_dummy_value()

        return sig, codegen

    return transform


input_transform = _transform_intrinsic(B_T)
output_transform = _transform_intrinsic(A_T)
gradient_transform = _transform_intrinsic(_transposed(A_T))
