"""Elementwise, matrix and reduction ops, each with its forward and backward."""

from __future__ import annotations

import numpy as np

from engine.autodiff.function import record
from engine.autodiff.tensor import Tensor, convert
from engine.ops._util import normalize_axis, pair, unbroadcast


def _float_grad(g, dtype):
    return g if g.dtype == dtype else g.astype(dtype)


def add(a, b):
    """a + b with broadcasting."""
    a, b = pair(a, b)
    sa, sb = a.shape, b.shape
    return record(a.data + b.data, (a, b), lambda g: (unbroadcast(g, sa), unbroadcast(g, sb)))


def subtract(a, b):
    """a - b with broadcasting."""
    a, b = pair(a, b)
    sa, sb = a.shape, b.shape
    return record(a.data - b.data, (a, b), lambda g: (unbroadcast(g, sa), unbroadcast(-g, sb)))


def multiply(a, b):
    """a * b with broadcasting."""
    a, b = pair(a, b)
    ad, bd = a.data, b.data
    return record(ad * bd, (a, b), lambda g: (unbroadcast(g * bd, ad.shape), unbroadcast(g * ad, bd.shape)))


def divide(a, b):
    """a / b with broadcasting (true division)."""
    a, b = pair(a, b)
    ad, bd = a.data, b.data
    if ad.dtype.kind in "iub" and bd.dtype.kind in "iub":
        ad, bd = ad.astype("float64"), bd.astype("float64")
    out = ad / bd
    return record(out, (a, b), lambda g: (unbroadcast(g / bd, ad.shape), unbroadcast(-g * out / bd, bd.shape)))


def add_n(values):
    """Elementwise sum of a list of tensors of one shape."""
    tensors = [convert(v) for v in values]
    if not tensors:
        raise ValueError("add_n needs at least one tensor.")
    out = tensors[0].data
    for t in tensors[1:]:
        out = out + t.data
    shapes = [t.shape for t in tensors]
    return record(out, tuple(tensors), lambda g: tuple(unbroadcast(g, s) for s in shapes))


def negative(a):
    """-a."""
    a = convert(a)
    return record(-a.data, (a,), lambda g: (-g,))


def power(a, b):
    """a ** b; the gradient for b is defined where a > 0."""
    a, b = pair(a, b)
    ad, bd = a.data, b.data
    out = ad**bd

    def backward(g):
        ga = g * bd * ad ** (bd - 1) if a._needs_grad else None
        gb = None
        if b._needs_grad:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.where(ad > 0, np.log(np.where(ad > 0, ad, 1)), 0)
        return (None if ga is None else unbroadcast(ga, ad.shape), None if gb is None else unbroadcast(gb, bd.shape))

    return record(out, (a, b), backward)


def square(a):
    """a ** 2."""
    a = convert(a)
    ad = a.data
    return record(ad * ad, (a,), lambda g: (2 * g * ad,))


def sqrt(a):
    """Square root."""
    a = convert(a)
    out = np.sqrt(a.data)
    return record(out, (a,), lambda g: (g / (2 * out),))


def rsqrt(a):
    """1 / sqrt(a)."""
    a = convert(a)
    out = 1.0 / np.sqrt(a.data)
    return record(out, (a,), lambda g: (-0.5 * g * out**3,))


def exp(a):
    """e ** a."""
    a = convert(a)
    out = np.exp(a.data)
    return record(out, (a,), lambda g: (g * out,))


def log(a):
    """Natural logarithm."""
    a = convert(a)
    ad = a.data
    return record(np.log(ad), (a,), lambda g: (g / ad,))


def log1p(a):
    """log(1 + a)."""
    a = convert(a)
    ad = a.data
    return record(np.log1p(ad), (a,), lambda g: (g / (1 + ad),))


def abs(a):  # noqa: A001  (mirrors tf.abs)
    """|a|."""
    a = convert(a)
    ad = a.data
    return record(np.abs(ad), (a,), lambda g: (g * np.sign(ad),))


def sign(a):
    """Sign of a (no gradient)."""
    a = convert(a)
    return Tensor(np.sign(a.data))


def sin(a):
    """Sine."""
    a = convert(a)
    ad = a.data
    return record(np.sin(ad), (a,), lambda g: (g * np.cos(ad),))


def cos(a):
    """Cosine."""
    a = convert(a)
    ad = a.data
    return record(np.cos(ad), (a,), lambda g: (-g * np.sin(ad),))


def maximum(a, b):
    """Elementwise maximum; ties send the gradient to `a`."""
    a, b = pair(a, b)
    ad, bd = a.data, b.data
    mask = ad >= bd
    return record(
        np.maximum(ad, bd),
        (a, b),
        lambda g: (unbroadcast(g * mask, ad.shape), unbroadcast(g * ~mask, bd.shape)),
    )


def minimum(a, b):
    """Elementwise minimum; ties send the gradient to `a`."""
    a, b = pair(a, b)
    ad, bd = a.data, b.data
    mask = ad <= bd
    return record(
        np.minimum(ad, bd),
        (a, b),
        lambda g: (unbroadcast(g * mask, ad.shape), unbroadcast(g * ~mask, bd.shape)),
    )


def clip(a, lo, hi):
    """Clip values into [lo, hi]; the gradient passes where not clipped."""
    a = convert(a)
    ad = a.data
    lo_v = lo.numpy() if isinstance(lo, Tensor) else lo
    hi_v = hi.numpy() if isinstance(hi, Tensor) else hi
    out = np.clip(ad, lo_v, hi_v).astype(ad.dtype, copy=False)
    mask = (ad >= lo_v) & (ad <= hi_v)
    return record(out, (a,), lambda g: (g * mask,))


def matmul(a, b, transpose_a=False, transpose_b=False):
    """Matrix product over the last two axes (batched and broadcast like numpy's matmul)."""
    a, b = pair(a, b)
    ad, bd = a.data, b.data
    if transpose_a:
        ad = np.swapaxes(ad, -1, -2)
    if transpose_b:
        bd = np.swapaxes(bd, -1, -2)
    out = ad @ bd

    def backward(g):
        mat_a = ad[None, :] if ad.ndim == 1 else ad
        mat_b = bd[:, None] if bd.ndim == 1 else bd
        if ad.ndim == 1:
            g = np.expand_dims(g, -2)
        if bd.ndim == 1:
            g = np.expand_dims(g, -1)
        ga = gb = None
        if a._needs_grad:
            ga = unbroadcast(g @ np.swapaxes(mat_b, -1, -2), mat_a.shape).reshape(ad.shape)
            if transpose_a:
                ga = np.swapaxes(ga, -1, -2)
        if b._needs_grad:
            gb = unbroadcast(np.swapaxes(mat_a, -1, -2) @ g, mat_b.shape).reshape(bd.shape)
            if transpose_b:
                gb = np.swapaxes(gb, -1, -2)
        return ga, gb

    return record(out, (a, b), backward)


def _as_array(out, dtype=None):
    """A reduction's result as an array of its backend (numpy scalars become 0-d arrays)."""
    if isinstance(out, np.generic) or not hasattr(out, "dtype"):
        return np.asarray(out, dtype=dtype)
    return out if dtype is None or out.dtype == dtype else out.astype(dtype)


def _reduce_grad(g, shape, axes, keepdims):
    if not keepdims:
        g = np.expand_dims(g, axes) if axes else g
    return np.broadcast_to(g, shape)


def reduce_sum(a, axis=None, keepdims=False):
    """Sum over `axis` (all axes when None)."""
    a = convert(a)
    axes = normalize_axis(axis, a.ndim)
    shape = a.shape
    out = np.sum(a.data, axis=axes, keepdims=keepdims)
    return record(_as_array(out), (a,), lambda g: (_reduce_grad(g, shape, axes, keepdims).copy(),))


def reduce_mean(a, axis=None, keepdims=False):
    """Mean over `axis` (all axes when None)."""
    a = convert(a)
    axes = normalize_axis(axis, a.ndim)
    shape = a.shape
    count = int(np.prod([shape[i] for i in axes])) if axes else 1
    data = a.data if a.dtype.startswith("float") else a.data.astype("float32")
    out = np.mean(data, axis=axes, keepdims=keepdims)
    return record(
        _as_array(out, data.dtype), (a,), lambda g: (_reduce_grad(g / count, shape, axes, keepdims).copy(),)
    )


def reduce_max(a, axis=None, keepdims=False):
    """Maximum over `axis`; the gradient is split evenly among ties."""
    return _reduce_extreme(a, axis, keepdims, np.max)


def reduce_min(a, axis=None, keepdims=False):
    """Minimum over `axis`; the gradient is split evenly among ties."""
    return _reduce_extreme(a, axis, keepdims, np.min)


def _reduce_extreme(a, axis, keepdims, fn):
    a = convert(a)
    axes = normalize_axis(axis, a.ndim)
    ad = a.data
    kept = fn(ad, axis=axes, keepdims=True)
    out = kept if keepdims else np.squeeze(kept, axis=axes)

    def backward(g):
        mask = ad == kept
        count = mask.sum(axis=axes, keepdims=True)
        gk = g if keepdims else np.expand_dims(g, axes)
        return (mask * gk / count,)

    return record(_as_array(out), (a,), backward)


def reduce_prod(a, axis=None, keepdims=False):
    """Product over `axis` (gradient assumes no zeros)."""
    a = convert(a)
    axes = normalize_axis(axis, a.ndim)
    ad = a.data
    kept = np.prod(ad, axis=axes, keepdims=True)
    out = kept if keepdims else np.squeeze(kept, axis=axes)

    def backward(g):
        gk = g if keepdims else np.expand_dims(g, axes)
        return (gk * kept / ad,)

    return record(_as_array(out), (a,), backward)


def reduce_logsumexp(a, axis=None, keepdims=False):
    """log(sum(exp(a))) computed stably."""
    a = convert(a)
    axes = normalize_axis(axis, a.ndim)
    ad = a.data
    m = np.max(ad, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    s = np.sum(np.exp(ad - m), axis=axes, keepdims=True)
    kept = np.log(s) + m
    out = kept if keepdims else np.squeeze(kept, axis=axes)

    def backward(g):
        gk = g if keepdims else np.expand_dims(g, axes)
        return (gk * np.exp(ad - kept),)

    return record(_as_array(out), (a,), backward)


def cumsum(a, axis=0):
    """Cumulative sum along `axis`."""
    a = convert(a)
    ax = int(axis)
    return record(np.cumsum(a.data, axis=ax), (a,), lambda g: (np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax),))


def _compare(fn):
    def op(a, b):
        a, b = pair(a, b)
        return Tensor(fn(a.data, b.data))

    op.__doc__ = f"Elementwise {fn.__name__} (no gradient)."
    return op


def _logical_reduce(fn):
    def op(a, axis=None, keepdims=False):
        a = convert(a)
        axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        return Tensor(fn(a.data, axis=axis, keepdims=keepdims))

    op.__doc__ = f"Whether {fn.__name__} of the elements along `axis` are true (non-zero); bool, no gradient."
    return op


reduce_any = _logical_reduce(np.any)
reduce_all = _logical_reduce(np.all)

less = _compare(np.less)
less_equal = _compare(np.less_equal)
greater = _compare(np.greater)
greater_equal = _compare(np.greater_equal)
equal = _compare(np.equal)
not_equal = _compare(np.not_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)


def logical_not(a):
    """Elementwise not (no gradient)."""
    return Tensor(np.logical_not(convert(a).data))


def argmax(a, axis=-1):
    """Index of the maximum along `axis` (int64, no gradient)."""
    return Tensor(np.argmax(convert(a).data, axis=axis))


def argmin(a, axis=-1):
    """Index of the minimum along `axis` (int64, no gradient)."""
    return Tensor(np.argmin(convert(a).data, axis=axis))


def round(a):  # noqa: A001
    """Round half to even (no gradient)."""
    return Tensor(np.round(convert(a).data))


def floor(a):
    """Floor (no gradient)."""
    return Tensor(np.floor(convert(a).data))


def where(condition, x, y):
    """Pick from x where `condition` holds, else from y."""
    cond = convert(condition).data
    cond = cond if cond.dtype == bool else cond.astype(bool)
    x, y = pair(x, y)
    xd, yd = x.data, y.data
    out = np.where(cond, xd, yd)
    return record(
        out,
        (x, y),
        lambda g: (unbroadcast(np.where(cond, g, 0), xd.shape), unbroadcast(np.where(cond, 0, g), yd.shape)),
    )
