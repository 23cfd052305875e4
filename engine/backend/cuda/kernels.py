"""numba.cuda kernels: elementwise (with broadcasting by strides), strided copies,
row reductions. The GEMM lives in `nn_kernels`. All take flat contiguous buffers.

Kernels are compiled on first use (`get(name)`); this module is imported only when the CUDA
backend is used. `cuda` must be a module global: numba's simulator swaps it at run time.
"""

from __future__ import annotations

import math

from numba import cuda

_cache: dict = {}

from numba import config as _config

# The simulator runs one Python thread per CUDA thread: keep blocks small there.
_SIMULATED = bool(_config.ENABLE_CUDASIM)
MAX_DIMS = 8
THREADS = 16 if _SIMULATED else 256

BINARY_OPS = {
    "add": 0, "subtract": 1, "multiply": 2, "true_divide": 3, "maximum": 4, "minimum": 5,
    "power": 6, "logaddexp": 7, "arctan2": 8,
}
COMPARE_OPS = {"greater": 0, "greater_equal": 1, "less": 2, "less_equal": 3, "equal": 4, "not_equal": 5,
               "logical_and": 6, "logical_or": 7}
UNARY_OPS = {
    "negative": 0, "exp": 1, "log": 2, "sqrt": 3, "tanh": 4, "absolute": 5, "sign": 6, "sin": 7,
    "cos": 8, "log1p": 9, "expm1": 10, "square": 11, "reciprocal": 12, "floor": 13, "rint": 14,
    "positive": 15, "erf": 16,
}
REDUCE_OPS = {"sum": 0, "max": 1, "min": 2, "prod": 3}


def get(name: str):
    """The compiled kernel called `name` (compiled on first request)."""
    kernel = _cache.get(name)
    if kernel is None:
        kernel = _BUILDERS[name]()
        _cache[name] = kernel
    return kernel


def launch_1d(n: int):
    """(blocks, threads) covering n elements."""
    threads = min(THREADS, max(int(n), 1)) if _SIMULATED else THREADS
    return max(1, math.ceil(n / threads)), threads


def _build_binary():
    @cuda.jit
    def binary(op, a, a_strides, b, b_strides, out, shape, ndim):
        i = cuda.grid(1)
        if i >= out.size:
            return
        rem = i
        ia = 0
        ib = 0
        for k in range(ndim):
            d = ndim - 1 - k
            idx = rem % shape[d]
            rem = rem // shape[d]
            ia += idx * a_strides[d]
            ib += idx * b_strides[d]
        x = a[ia]
        y = b[ib]
        if op == 0:
            r = x + y
        elif op == 1:
            r = x - y
        elif op == 2:
            r = x * y
        elif op == 3:
            r = x / y
        elif op == 4:
            r = x if x >= y else y
        elif op == 5:
            r = x if x <= y else y
        elif op == 6:
            r = x ** y
        elif op == 7:
            m = x if x >= y else y
            r = m + math.log(math.exp(x - m) + math.exp(y - m))
        else:
            r = math.atan2(x, y)
        out[i] = r

    return binary


def _build_compare():
    @cuda.jit
    def compare(op, a, a_strides, b, b_strides, out, shape, ndim):
        i = cuda.grid(1)
        if i >= out.size:
            return
        rem = i
        ia = 0
        ib = 0
        for k in range(ndim):
            d = ndim - 1 - k
            idx = rem % shape[d]
            rem = rem // shape[d]
            ia += idx * a_strides[d]
            ib += idx * b_strides[d]
        x = a[ia]
        y = b[ib]
        r = False
        if op == 0:
            r = x > y
        elif op == 1:
            r = x >= y
        elif op == 2:
            r = x < y
        elif op == 3:
            r = x <= y
        elif op == 4:
            r = x == y
        elif op == 5:
            r = x != y
        elif op == 6:
            r = (x != 0) and (y != 0)
        else:
            r = (x != 0) or (y != 0)
        out[i] = r

    return compare


def _build_unary():
    @cuda.jit
    def unary(op, a, out):
        i = cuda.grid(1)
        if i >= out.size:
            return
        x = a[i]
        if op == 0:
            r = -x
        elif op == 1:
            r = math.exp(x)
        elif op == 2:
            r = math.log(x)
        elif op == 3:
            r = math.sqrt(x)
        elif op == 4:
            r = math.tanh(x)
        elif op == 5:
            r = abs(x)
        elif op == 6:
            r = 1 if x > 0 else (-1 if x < 0 else 0)
        elif op == 7:
            r = math.sin(x)
        elif op == 8:
            r = math.cos(x)
        elif op == 9:
            r = math.log1p(x)
        elif op == 10:
            r = math.expm1(x)
        elif op == 11:
            r = x * x
        elif op == 12:
            r = 1 / x
        elif op == 13:
            r = math.floor(x)
        elif op == 14:
            r = round(x)
        elif op == 16:
            r = math.erf(x)
        else:
            r = x
        out[i] = r

    return unary


def _build_where():
    @cuda.jit
    def where(c, c_strides, a, a_strides, b, b_strides, out, shape, ndim):
        i = cuda.grid(1)
        if i >= out.size:
            return
        rem = i
        ic = 0
        ia = 0
        ib = 0
        for k in range(ndim):
            d = ndim - 1 - k
            idx = rem % shape[d]
            rem = rem // shape[d]
            ic += idx * c_strides[d]
            ia += idx * a_strides[d]
            ib += idx * b_strides[d]
        out[i] = a[ia] if c[ic] else b[ib]

    return where


def _build_strided_copy():
    @cuda.jit
    def strided_copy(src, offset, strides, out, shape, ndim):
        i = cuda.grid(1)
        if i >= out.size:
            return
        rem = i
        j = offset
        for k in range(ndim):
            d = ndim - 1 - k
            idx = rem % shape[d]
            rem = rem // shape[d]
            j += idx * strides[d]
        out[i] = src[j]

    return strided_copy


def _build_reduce_rows():
    @cuda.jit
    def reduce_rows(op, src, rows, length, out):
        r = cuda.grid(1)
        if r >= rows:
            return
        base = r * length
        acc = src[base]
        for j in range(1, length):
            v = src[base + j]
            if op == 0:
                acc += v
            elif op == 1:
                acc = v if v > acc else acc
            elif op == 2:
                acc = v if v < acc else acc
            else:
                acc *= v
        out[r] = acc

    return reduce_rows


def _build_fill():
    @cuda.jit
    def fill(out, value):
        i = cuda.grid(1)
        if i < out.size:
            out[i] = value

    return fill


def _build_cast():
    @cuda.jit
    def cast(src, out):
        i = cuda.grid(1)
        if i < out.size:
            out[i] = src[i]

    return cast


_BUILDERS = {
    "binary": _build_binary, "compare": _build_compare, "unary": _build_unary, "where": _build_where,
    "strided_copy": _build_strided_copy, "reduce_rows": _build_reduce_rows,
    "fill": _build_fill, "cast": _build_cast,
}
