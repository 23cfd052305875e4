"""GEMM inside numba kernels: call numpy's own OpenBLAS through a function pointer.

The recurrent time loops (`rnn_loops.py`) run a whole sequence in one compiled, GIL-free
call, and each step needs one small GEMM (e.g. 32x128 @ 128x512). numba's `np.dot` would
call scipy's separately bundled OpenBLAS (older, with its own thread pool, and slower on
these shapes: 71 us against 42 us for numpy's on one thread), so the kernels instead call
`cblas_?gemm` of the library numpy uses, whose thread count `blas.single_threaded` already
controls. The function's address is a runtime argument (`gemm_pointer`), so kernels stay
cacheable; address 0 (no OpenBLAS found) falls back to a plain compiled loop.

`gemm(address, wide, a, b, beta, c)` computes c = a @ b + beta * c for 2-D row-major arrays
(row strides may be larger than a row; arrays whose last axis is strided take the loop); `wide` is True for the 64-bit
integer interface (numpy's `scipy_openblas64_`).
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_pointers: dict | None = None

_ROW_MAJOR, _NO_TRANS = 101, 111


def _find_pointers():
    """{dtype char: (address, wide)} for cblas_sgemm / cblas_dgemm of numpy's OpenBLAS."""
    from engine.backend.cpu import blas

    found = {}
    for path in blas.library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_cblas_", "cblas_"):
            for suffix, wide in (("64_", True), ("_64", True), ("", False)):
                s = getattr(lib, f"{prefix}sgemm{suffix}", None)
                d = getattr(lib, f"{prefix}dgemm{suffix}", None)
                if s is not None and d is not None:
                    found = {"f": (ctypes.cast(s, ctypes.c_void_p).value, wide),
                             "d": (ctypes.cast(d, ctypes.c_void_p).value, wide)}
                    return found
    return found


def gemm_pointer(dtype):
    """(address, wide) of numpy's OpenBLAS gemm for float32/float64 `dtype`, or (0, False)."""
    global _pointers
    if _pointers is None:
        _pointers = _find_pointers()
    return _pointers.get(np.dtype(dtype).char, (0, False))


def _gemm_intrinsic(int_bits):
    int_type = ir.IntType(int_bits)

    @intrinsic
    def call(typingctx, address, a, b, beta, c):
        sig = types.void(address, a, b, beta, c)

        def codegen(context, builder, signature, args):
            address_v, a_v, b_v, beta_v, c_v = args
            float_type = context.get_value_type(signature.args[1].dtype)
            pointer = ir.PointerType(float_type)
            arrays = [context.make_array(t)(context, builder, v)
                      for t, v in ((signature.args[1], a_v), (signature.args[2], b_v), (signature.args[4], c_v))]
            item = context.get_constant(types.intp, context.get_abi_sizeof(float_type))

            def rows_cols(array):
                return cgutils.unpack_tuple(builder, array.shape, 2)

            def lead(array):
                stride = cgutils.unpack_tuple(builder, array.strides, 2)[0]
                return narrow(builder.sdiv(stride, item))

            def narrow(value):
                return builder.trunc(value, int_type) if int_bits < 64 else value

            (m, k), (_, n) = rows_cols(arrays[0]), rows_cols(arrays[1])
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, int_type, int_type, int_type, float_type, pointer,
                                                   int_type, pointer, int_type, float_type, pointer, int_type])
            fn = builder.inttoptr(address_v, fnty.as_pointer())
            beta_c = context.cast(builder, beta_v, signature.args[3], signature.args[1].dtype)
            builder.call(fn, [ir.Constant(i32, _ROW_MAJOR), ir.Constant(i32, _NO_TRANS), ir.Constant(i32, _NO_TRANS),
                              narrow(m), narrow(n), narrow(k), ir.Constant(float_type, 1.0),
                              arrays[0].data, lead(arrays[0]), arrays[1].data, lead(arrays[1]),
                              beta_c, arrays[2].data, lead(arrays[2])])
            return context.get_dummy_value()

        return sig, codegen

    return call


_gemm64 = _gemm_intrinsic(64)
_gemm32 = _gemm_intrinsic(32)


@njit(cache=True, nogil=True)
def gemm(address, wide, a, b, beta, c):
    """c = a @ b + beta * c (see the module docstring); `beta` 0 ignores c's old values."""
    m, k = a.shape
    n = b.shape[1]
    if m == 0 or n == 0:
        return
    size = a.itemsize
    if k == 0 or address == 0 or a.strides[1] != size or b.strides[1] != size or c.strides[1] != size:
        for i in range(m):
            row = c[i]
            if beta == 0.0:
                row[:] = 0.0
            else:
                row *= beta
            for p in range(k):
                v = a[i, p]
                bp = b[p]
                for j in range(n):
                    row[j] += v * bp[j]
        return
    if wide:
        _gemm64(address, a, b, beta, c)
    else:
        _gemm32(address, a, b, beta, c)
