"""The register tile of the implicit-GEMM convolution (`conv_implicit`): 6 rows x 16 columns of
`a @ b`, where each row of `a` is gathered from a flat array rather than read from a matrix.

`gather_tile(flat, starts, row, bands, band_step, step, b, panel, c, valid, accumulate)`
computes rows `row .. row + 5` of the product. Row j of `a` is `bands` runs of
`b.shape[0] // bands` numbers of `flat`, `step` apart, the first run starting at `starts[j]` and
each next one `band_step` further on: for a conv's forward pass, one contiguous run (step 1)
per kernel row, read straight out of the zero-padded image (no column matrix); for its filter
gradient, one run per output row over the cells of one channel (step = channels). `b` is a
float32 matrix (bands * run, columns) whose columns `panel * 16 .. + 16` are read; the 12 AVX2
accumulators stay in registers over the whole depth, so each output cell is stored once, into
`c[j, panel * 16:(panel + 1) * 16]` (added to it with `accumulate`), and only for rows
`j < valid` (the last tile's spare rows point at any valid start and are dropped).

This module compiles nothing itself (an LLVM-IR numba intrinsic inlined into its callers). numba's
on-disk cache of a caller is keyed on the caller's own file, so a change here reaches the cached
kernels only once `conv_implicit.py` changes too.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from engine.backend.cpu.gemm_tiles import PANEL, ROWS

_LANES = 8


def _int_arg(context, builder, value, typ):
    return context.cast(builder, value, typ, types.intp)


def _no_unroll(module):
    """`llvm.loop` metadata that keeps LLVM from unrolling a loop. Unrolled by 2, the filter
    gradient's strided reads needed 12 row pointers and spilled them (6 stack loads per 2 steps);
    not unrolled, 13x13x32 -> 64 took 1.6-1.9 ms instead of 1.9-2.2 (32 samples, one thread), the
    other shapes the same."""
    disable = module.add_metadata([ir.MetaDataString(module, "llvm.loop.unroll.disable")])
    node = module.add_metadata([disable, ir.MetaDataString(module, "strata.gather_tile")])
    node.operands = (node, disable)
    return node


@intrinsic
def gather_tile(typingctx, flat, starts, row, bands, band_step, stride, b, panel, c, valid, accumulate):
    """c[row + r, panel columns] (+)= (gathered row row + r of a) @ b[:, panel columns], r < 6, row + r < valid."""
    if (getattr(flat, "dtype", None) != types.float32 or flat.ndim != 1
            or getattr(starts, "dtype", None) != types.intp or starts.ndim != 1
            or getattr(b, "dtype", None) != types.float32 or b.ndim != 2
            or getattr(c, "dtype", None) != types.float32 or c.ndim != 2):
        return None
    sig = types.void(flat, starts, row, bands, band_step, stride, b, panel, c, valid, accumulate)
    vectors = PANEL // _LANES

    def codegen(context, builder, signature, args):
        flat_v, starts_v, row_v, bands_v, step_v, stride_v, b_v, panel_v, c_v, valid_v, acc_v = args
        arg_types = signature.args
        f32 = ir.FloatType()
        vec = ir.VectorType(f32, _LANES)
        vec_ptr = vec.as_pointer()
        intp = context.get_value_type(types.intp)

        def const(value):
            return ir.Constant(intp, value)

        flat_arr = context.make_array(arg_types[0])(context, builder, flat_v)
        starts_arr = context.make_array(arg_types[1])(context, builder, starts_v)
        b_arr = context.make_array(arg_types[6])(context, builder, b_v)
        c_arr = context.make_array(arg_types[8])(context, builder, c_v)
        row_i = _int_arg(context, builder, row_v, arg_types[2])
        bands_i = _int_arg(context, builder, bands_v, arg_types[3])
        step_i = _int_arg(context, builder, step_v, arg_types[4])
        stride_i = _int_arg(context, builder, stride_v, arg_types[5])
        panel_i = _int_arg(context, builder, panel_v, arg_types[7])
        valid_i = _int_arg(context, builder, valid_v, arg_types[9])
        accumulate_b = context.cast(builder, acc_v, arg_types[10], types.boolean)
        ldc = builder.sdiv(cgutils.unpack_tuple(builder, c_arr.strides, 2)[0], const(4))
        ldb = builder.sdiv(cgutils.unpack_tuple(builder, b_arr.strides, 2)[0], const(4))
        run = builder.sdiv(cgutils.unpack_tuple(builder, b_arr.shape, 2)[0], bands_i)
        column = builder.mul(panel_i, const(PANEL))
        b_base = builder.gep(b_arr.data, [column])
        a_rows = [builder.gep(flat_arr.data, [builder.load(builder.gep(starts_arr.data,
                                                                       [builder.add(row_i, const(r))]))])
                  for r in range(ROWS)]
        slots = [[cgutils.alloca_once(builder, vec) for _ in range(vectors)] for _ in range(ROWS)]
        for r in range(ROWS):
            for v in range(vectors):
                builder.store(ir.Constant(vec, [0.0] * _LANES), slots[r][v])
        with builder.if_then(accumulate_b):
            for r in range(ROWS):
                target = builder.add(row_i, const(r))
                with builder.if_then(builder.icmp_signed("<", target, valid_i)):
                    cell = builder.gep(c_arr.data, [builder.add(builder.mul(target, ldc), column)])
                    for v in range(vectors):
                        builder.store(builder.load(builder.bitcast(builder.gep(cell, [const(v * _LANES)]), vec_ptr),
                                                   align=4), slots[r][v])
        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec, vec, vec]),
                                             f"llvm.fma.v{_LANES}f32")
        undef = ir.Constant(vec, ir.Undefined)
        mask = ir.Constant(ir.VectorType(ir.IntType(32), _LANES), [0] * _LANES)
        with cgutils.for_range(builder, bands_i) as band:
            shift = builder.mul(band.index, step_i)
            band_rows = [builder.gep(a_rows[r], [shift]) for r in range(ROWS)]
            band_b = builder.gep(b_base, [builder.mul(builder.mul(band.index, run), ldb)])
            with cgutils.for_range(builder, run) as loop:
                k = loop.index
                b_row = builder.gep(band_b, [builder.mul(k, ldb)])
                bs = [builder.load(builder.bitcast(builder.gep(b_row, [const(v * _LANES)]), vec_ptr), align=4)
                      for v in range(vectors)]
                for r in range(ROWS):
                    scalar = builder.load(builder.gep(band_rows[r], [builder.mul(k, stride_i)]))
                    splat = builder.shuffle_vector(
                        builder.insert_element(undef, scalar, ir.Constant(ir.IntType(32), 0)), undef, mask)
                    for v in range(vectors):
                        builder.store(builder.call(fma, [splat, bs[v], builder.load(slots[r][v])]), slots[r][v])
                body_end = builder.basic_block
            body_end.terminator.set_metadata("llvm.loop", _no_unroll(builder.module))
        for r in range(ROWS):
            target = builder.add(row_i, const(r))
            with builder.if_then(builder.icmp_signed("<", target, valid_i)):
                cell = builder.gep(c_arr.data, [builder.add(builder.mul(target, ldc), column)])
                for v in range(vectors):
                    builder.store(builder.load(slots[r][v]),
                                  builder.bitcast(builder.gep(cell, [const(v * _LANES)]), vec_ptr), align=4)
        return context.get_dummy_value()

    return sig, codegen
