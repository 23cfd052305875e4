"""Activation functions and fused loss kernels used by layers and losses."""

from __future__ import annotations

import math

import numpy as np

from engine.autodiff.function import record
from engine.autodiff.tape import recording
from engine.autodiff.tensor import convert


def relu(a):
    """max(a, 0)."""
    a = convert(a)
    ad = a.data
    return record(np.maximum(ad, 0), (a,), lambda g: (g * (ad > 0),))


def capped_relu(a, max_value=None):
    """min(max(a, 0), max_value) as one op (no cap with None); the gradient passes where
    0 < a <= max_value, as relu followed by clip(0, max_value).

    On a batch normalization's output (CPU, while recording) the two fuse into one node
    whose backward applies the mask inside the normalization's passes."""
    a = convert(a)
    cap = np.inf if max_value is None else float(max_value)
    fuse = getattr(a, "_relu_fusion", None)
    if fuse is not None and recording():
        return fuse(cap)
    ad = a.data
    if not (isinstance(ad, np.ndarray) and ad.dtype in (np.float32, np.float64)):
        from engine.ops.math import clip

        out = relu(a)
        return out if max_value is None else clip(out, 0.0, cap)
    from engine.backend.cpu import norm

    ad = np.ascontiguousarray(ad)
    return record(norm.relu_forward(ad, cap), (a,),
                  lambda g: (norm.relu_backward(ad, np.ascontiguousarray(g, dtype=ad.dtype), cap),))


def add_relu(a, b):
    """max(a + b, 0) as one op (a residual junction: Add then ReLU); the gradient, the output's
    gradient where a + b > 0, goes to both inputs.

    Two host float arrays of one shape and dtype take one threaded pass each way; anything else
    (broadcasting, mixed dtypes, another device) runs as `add` then `relu`."""
    a, b = convert(a), convert(b)
    ad, bd = a.data, b.data
    if not (isinstance(ad, np.ndarray) and isinstance(bd, np.ndarray) and ad.shape == bd.shape
            and ad.dtype == bd.dtype and ad.dtype in (np.float32, np.float64)):
        from engine.ops.math import add

        return capped_relu(add(a, b))
    from engine.backend.cpu import norm

    out = norm.add_relu_forward(np.ascontiguousarray(ad), np.ascontiguousarray(bd))

    def backward(g):
        dg = norm.relu_backward(out, np.ascontiguousarray(g, dtype=out.dtype))
        return dg, dg

    return record(out, (a, b), backward)


def relu6(a):
    """min(max(a, 0), 6)."""
    a = convert(a)
    ad = a.data
    return record(np.clip(ad, 0, 6), (a,), lambda g: (g * ((ad > 0) & (ad < 6)),))


def leaky_relu(a, negative_slope=0.2):
    """a where positive, negative_slope * a elsewhere."""
    a = convert(a)
    ad = a.data
    slope = ad.dtype.type(negative_slope)
    return record(np.where(ad > 0, ad, ad * slope), (a,), lambda g: (np.where(ad > 0, g, g * slope),))


def sigmoid(a):
    """1 / (1 + exp(-a)), computed without overflow."""
    a = convert(a)
    ad = a.data
    out = _stable_sigmoid(ad)
    return record(out, (a,), lambda g: (g * out * (1 - out),))


def _stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def tanh(a):
    """Hyperbolic tangent."""
    a = convert(a)
    out = np.tanh(a.data)
    return record(out, (a,), lambda g: (g * (1 - out * out),))


def softplus(a):
    """log(1 + exp(a)), stable for large |a|."""
    a = convert(a)
    ad = a.data
    out = np.logaddexp(0, ad).astype(ad.dtype, copy=False)
    return record(out, (a,), lambda g: (g * _stable_sigmoid(ad),))


def softsign(a):
    """a / (1 + |a|)."""
    a = convert(a)
    ad = a.data
    return record(ad / (1 + np.abs(ad)), (a,), lambda g: (g / (1 + np.abs(ad)) ** 2,))


def silu(a):
    """a * sigmoid(a) (also called swish)."""
    a = convert(a)
    ad = a.data
    s = _stable_sigmoid(ad)
    return record(ad * s, (a,), lambda g: (g * (s + ad * s * (1 - s)),))


def elu(a, alpha=1.0):
    """a where positive, alpha * (exp(a) - 1) elsewhere."""
    a = convert(a)
    ad = a.data
    neg = alpha * np.expm1(np.minimum(ad, 0))
    return record(np.where(ad > 0, ad, neg).astype(ad.dtype), (a,), lambda g: (np.where(ad > 0, g, g * (neg + alpha)),))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(a):
    """Scaled ELU with the self-normalising constants."""
    a = convert(a)
    ad = a.data
    neg = _SELU_ALPHA * np.expm1(np.minimum(ad, 0))
    out = (_SELU_SCALE * np.where(ad > 0, ad, neg)).astype(ad.dtype)
    return record(out, (a,), lambda g: (g * _SELU_SCALE * np.where(ad > 0, 1, neg + _SELU_ALPHA),))


def gelu(a, approximate=False):
    """Gaussian error linear unit (exact erf form by default, as in Keras 3; tanh form with approximate=True)."""
    a = convert(a)
    x = a.data
    if approximate:
        c = math.sqrt(2 / math.pi)
        inner = c * (x + 0.044715 * x**3)
        t = np.tanh(inner)
        out = 0.5 * x * (1 + t)

        def backward(g):
            d_inner = c * (1 + 3 * 0.044715 * x**2)
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner),)
    else:
        from scipy.special import erf

        cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
        out = x * cdf

        def backward(g):
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            return (g * (cdf + x * pdf),)

    return record(out.astype(x.dtype, copy=False), (a,), backward)


def hard_sigmoid(a):
    """relu6(a + 3) / 6, as Keras 3 defines it."""
    a = convert(a)
    ad = a.data
    out = np.clip(ad / 6 + 0.5, 0, 1).astype(ad.dtype)
    return record(out, (a,), lambda g: (g * ((ad > -3) & (ad < 3)) / 6,))


def hard_silu(a):
    """a * hard_sigmoid(a) (hard swish), as Keras 3's `hard_silu`."""
    a = convert(a)
    ad = a.data
    out = (ad * np.clip(ad / 6 + 0.5, 0, 1)).astype(ad.dtype)
    slope = np.where(ad <= -3, 0.0, np.where(ad >= 3, 1.0, (2 * ad + 3) / 6)).astype(ad.dtype)
    return record(out, (a,), lambda g: (g * slope,))


def exponential(a):
    """exp(a) as an activation."""
    from engine.ops.math import exp

    return exp(a)


def linear(a):
    """The identity activation."""
    return convert(a)


def softmax(a, axis=-1):
    """exp(a) / sum(exp(a)) along `axis`."""
    a = convert(a)
    ad = a.data
    e = np.exp(ad - ad.max(axis=axis, keepdims=True))
    out = e / e.sum(axis=axis, keepdims=True)
    return record(out, (a,), lambda g: (out * (g - (g * out).sum(axis=axis, keepdims=True)),))


def log_softmax(a, axis=-1):
    """a - logsumexp(a) along `axis`."""
    a = convert(a)
    ad = a.data
    shifted = ad - ad.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return record(out, (a,), lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),))


def sigmoid_cross_entropy_with_logits(labels, logits):
    """Elementwise binary cross-entropy from logits, stable for large |logits|."""
    labels = convert(labels, dtype=convert(logits).dtype)
    logits = convert(logits)
    x, z = logits.data, labels.data
    out = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    s = _stable_sigmoid(x)
    return record(out, (labels, logits), lambda g: (-g * x, g * (s - z)))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """Per-sample categorical cross-entropy from logits (one fused op)."""
    labels = convert(labels, dtype=convert(logits).dtype)
    logits = convert(logits)
    x, z = logits.data, labels.data
    shifted = x - x.max(axis=axis, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    out = -(z * log_p).sum(axis=axis)

    def backward(g):
        ge = np.expand_dims(g, axis)
        return (-ge * log_p, ge * (np.exp(log_p) * z.sum(axis=axis, keepdims=True) - z))

    return record(out, (labels, logits), backward)


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """Per-sample cross-entropy from logits and integer class labels (one fused op)."""
    logits = convert(logits)
    idx = np.asarray(convert(labels).data).astype(np.int64)
    x = logits.data
    if idx.shape != x.shape[:-1]:
        idx = idx.reshape(x.shape[:-1])
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[-1]):
        raise ValueError(
            f"Received a label value outside the valid range [0, {x.shape[-1]}): "
            f"min={int(idx.min())}, max={int(idx.max())}."
        )
    shifted = x - x.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    out = -np.take_along_axis(log_p, idx[..., None], axis=-1)[..., 0]

    def backward(g):
        grad = np.exp(log_p)
        np.put_along_axis(grad, idx[..., None], np.take_along_axis(grad, idx[..., None], axis=-1) - 1, axis=-1)
        return (None, grad * g[..., None])

    return record(out, (None, logits), backward)


def dropout(a, rate, noise_shape=None, seed=None):
    """Zero elements with probability `rate` and scale the rest by 1 / (1 - rate)."""
    from engine.random import generator

    a = convert(a)
    if rate <= 0:
        return a
    shape = a.shape if noise_shape is None else tuple(n if n is not None else s for n, s in zip(noise_shape, a.shape))
    keep = (generator(seed).random(shape) >= rate).astype(a.dtype) / a.data.dtype.type(1 - rate)
    return record(a.data * keep, (a,), lambda g: (g * keep,))
