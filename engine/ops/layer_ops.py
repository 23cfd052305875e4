"""Fused ops behind the built-in layers: dense, batch/layer normalization, embedding lookup
and softmax cross-entropy. Each one calls a CPU kernel forward and backward and joins the
tape through `record`, so the autodiff contract is the same as for any other op.
"""

from __future__ import annotations

import numpy as np

from engine.autodiff.function import record
from engine.autodiff.tensor import Tensor, convert
from engine.backend import backend_of

# what the fused kernels apply; their integer codes are `backend.cpu.dense.ACTIVATION_CODES`
FUSED_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")


def _contiguous(array, dtype=None):
    array = array if dtype is None else array.astype(dtype, copy=False)
    # device arrays are always contiguous; np.ascontiguousarray would copy them to the host
    return array if backend_of(array).name != "cpu" else np.ascontiguousarray(array)


def dense(inputs, kernel, bias=None, activation="linear"):
    """activation(inputs @ kernel + bias) in one kernel; `activation` is one of FUSED_ACTIVATIONS.

    `inputs` has shape (..., in), `kernel` (in, units), `bias` (units,) or None.
    """
    if activation not in FUSED_ACTIVATIONS:
        raise ValueError(f"dense: activation must be one of {FUSED_ACTIVATIONS}. Received: {activation!r}")
    x, w = convert(inputs), convert(kernel)
    b = None if bias is None else convert(bias)
    if w.ndim != 2 or x.shape[-1] != w.shape[0]:
        raise ValueError(f"dense: inputs of shape {x.shape} do not match a kernel of shape {w.shape}.")
    if not _on_host(x, w, b) and not _on_one_device(x, w, b):
        return _dense_composed(x, w, b, activation)
    dtype = w.data.dtype
    if dtype.kind != "f":
        raise TypeError(f"dense: the kernel must be float32 or float64. Received: {dtype}")
    lead = x.shape[:-1]
    x2 = _contiguous(x.data.reshape(-1, x.shape[-1]), dtype)
    wd = _contiguous(w.data)
    bd = _contiguous(b.data, dtype) if b is not None else np.zeros(w.shape[1], dtype=dtype)
    from engine.backend.cpu.dense import ACTIVATION_CODES

    code = ACTIVATION_CODES[activation]
    cpu = backend_of(x2)
    out = cpu.dense_forward(x2, wd, bd, b is not None, code)

    def backward(g):
        g2 = _contiguous(g.reshape(-1, w.shape[1]), dtype)
        dx, dw, db = cpu.dense_backward(x2, wd, out, g2, code, x._needs_grad)
        gx = dx.reshape(x.data.shape).astype(x.data.dtype, copy=False) if x._needs_grad else None
        return gx, dw, (db if b is not None else None)

    return record(out.reshape(lead + (w.shape[1],)), (x, w, b), backward)


def _on_host(*tensors) -> bool:
    """Whether every given tensor holds a numpy array (the CPU kernels apply)."""
    return all(t is None or isinstance(t.data, np.ndarray) for t in tensors)


def _on_one_device(*tensors) -> bool:
    """Whether every given tensor's data is on one device backend (whose fused kernels then apply)."""
    names = {backend_of(t.data).name for t in tensors if t is not None}
    return len(names) == 1 and "cpu" not in names


def _dense_composed(x, w, b, activation):
    """dense from generic ops, for arrays that live on another backend (e.g. CUDA)."""
    from engine import activations
    from engine.ops.math import add, matmul

    out = matmul(x, w)
    if b is not None:
        out = add(out, b)
    return activations.get(activation)(out)


def _to_rows(array, axes):
    """Move `axes` to the end and flatten into (rows, prod(axes)); returns the inverse too."""
    ndim = array.ndim
    rest = [i for i in range(ndim) if i not in axes]
    perm = rest + list(axes)
    moved = np.transpose(array, perm)
    shape = moved.shape
    cols = int(np.prod([array.shape[a] for a in axes])) if axes else 1
    rows2d = np.ascontiguousarray(moved.reshape(-1, cols))
    inverse = np.argsort(perm)

    def back(rows):
        return np.transpose(rows.reshape(shape), inverse)

    return rows2d, back


def _param(value, count, dtype, fill):
    if value is None:
        return np.full(count, fill, dtype=dtype)
    return _contiguous(np.asarray(value.data).reshape(-1), dtype)


def batch_normalization_fused(inputs, gamma, beta, mean=None, variance=None, axes=(-1,), epsilon=1e-3,
                              activation_cap=None):
    """Batch normalization over every axis except `axes` (the feature axes).

    With `mean`/`variance` None the batch statistics are used and differentiated through;
    otherwise the given (moving) statistics are constants. Returns (outputs, batch_mean,
    batch_variance); the statistics are plain arrays of the feature shape (None when given).
    With `activation_cap` (a number >= 0, np.inf: none) the outputs are
    min(max(normalized, 0), cap), computed in the same passes (gradient as `nn.capped_relu`).
    """
    x = convert(inputs)
    axes = tuple(sorted(int(a) % x.ndim for a in axes))
    feature_shape = tuple(x.shape[a] for a in axes)
    if not _on_host(x, *(convert(t) for t in (gamma, beta, mean, variance) if t is not None)):
        out, m, v = _batch_norm_composed(x, gamma, beta, mean, variance, axes, epsilon)
        if activation_cap is not None:
            from engine.ops.nn import capped_relu

            out = capped_relu(out, None if activation_cap == np.inf else activation_cap)
        return out, m, v
    dtype = x.data.dtype
    x2, back = _to_rows(x.data, axes)
    cols = x2.shape[1]
    g = None if gamma is None else convert(gamma)
    b = None if beta is None else convert(beta)
    gd, bd = _param(g, cols, dtype, 1), _param(b, cols, dtype, 0)
    cpu = backend_of(x2)
    batch_stats = mean is None
    if batch_stats:
        m, v = cpu.batch_moments(x2)
    else:
        m = _contiguous(np.asarray(convert(mean).data).reshape(-1), dtype)
        v = _contiguous(np.asarray(convert(variance).data).reshape(-1), dtype)

    def recorded(out2, inv_std, cap):
        """`out2` on the tape; with a `cap` (not None) the activation's mask is applied inside the backward passes."""
        def backward(grad):
            grad2, _ = _to_rows(grad, axes)
            grad2 = _contiguous(grad2, dtype)
            if cap is None:
                dx, dgamma, dbeta = cpu.batch_norm_backward(x2, grad2, m, inv_std, gd, batch_stats)
            else:
                dx, dgamma, dbeta = cpu.batch_norm_backward(x2, grad2, m, inv_std, gd, batch_stats, bd, cap)
            return (back(dx),
                    None if g is None else dgamma.reshape(g.shape),
                    None if b is None else dbeta.reshape(b.shape))

        return record(back(out2), (x, g, b), backward)

    if activation_cap is not None:
        cap = float(activation_cap)
        out = recorded(*cpu.batch_norm_forward(x2, m, v, gd, bd, epsilon, cap), cap)
    else:
        out2, inv_std = cpu.batch_norm_forward(x2, m, v, gd, bd, epsilon)
        out = recorded(out2, inv_std, None)
        if out._backward is not None:
            # capped_relu(out, cap) as one node on (x, gamma, beta): the activation's mask folds
            # into the normalization's backward passes (no separate gradient array).
            out._relu_fusion = lambda cap: recorded(cpu.relu_forward(out2, cap), inv_std, cap)
    if batch_stats:
        return out, Tensor(m.reshape(feature_shape)), Tensor(v.reshape(feature_shape))
    return out, None, None


def _broadcast_param(param, x, axes):
    from engine.ops.array import reshape

    return reshape(convert(param), [x.shape[i] if i in axes else 1 for i in range(x.ndim)])


def _batch_norm_composed(x, gamma, beta, mean, variance, axes, epsilon):
    """batch_normalization_fused from generic ops, for arrays on another backend (e.g. CUDA)."""
    from engine.autodiff.tape import stop_recording
    from engine.ops.array import reshape
    from engine.ops.math import add, multiply, reduce_mean, rsqrt, square, subtract

    feature_shape = tuple(x.shape[a] for a in axes)
    reduce_axes = [i for i in range(x.ndim) if i not in axes]
    if mean is None:
        m = reduce_mean(x, axis=reduce_axes, keepdims=True)
        v = reduce_mean(square(subtract(x, m)), axis=reduce_axes, keepdims=True)
    else:
        m, v = _broadcast_param(mean, x, axes), _broadcast_param(variance, x, axes)
    out = multiply(subtract(x, m), rsqrt(add(v, epsilon)))
    if gamma is not None:
        out = multiply(out, _broadcast_param(gamma, x, axes))
    if beta is not None:
        out = add(out, _broadcast_param(beta, x, axes))
    if mean is not None:
        return out, None, None
    with stop_recording():
        return out, reshape(Tensor(m.data), feature_shape), reshape(Tensor(v.data), feature_shape)


def layer_normalization_fused(inputs, gamma, beta, axes=(-1,), epsilon=1e-3, rms_scaling=False):
    """Normalize over `axes` per sample, then scale by `gamma` and shift by `beta`.

    `gamma`/`beta` have the shape of the normalized axes (or None). With `rms_scaling`
    the mean is not subtracted.
    """
    x = convert(inputs)
    axes = tuple(sorted(int(a) % x.ndim for a in axes))
    if not _on_host(x, *(convert(t) for t in (gamma, beta) if t is not None)):
        return _layer_norm_composed(x, gamma, beta, axes, epsilon, rms_scaling)
    dtype = x.data.dtype
    # rows are the kept axes, columns the normalized ones
    x2, back = _to_rows(x.data, axes)
    cols = x2.shape[1]
    g = None if gamma is None else convert(gamma)
    b = None if beta is None else convert(beta)
    gd, bd = _param(g, cols, dtype, 1), _param(b, cols, dtype, 0)
    cpu = backend_of(x2)
    out2, mean, inv_std = cpu.layer_norm_forward(x2, gd, bd, epsilon, rms_scaling)

    def backward(grad):
        grad2, _ = _to_rows(grad, axes)
        dx, dgamma, dbeta = cpu.layer_norm_backward(x2, _contiguous(grad2, dtype), mean, inv_std, gd, rms_scaling)
        return (back(dx),
                None if g is None else dgamma.reshape(g.shape),
                None if b is None else dbeta.reshape(b.shape))

    return record(back(out2), (x, g, b), backward)


def _layer_norm_composed(x, gamma, beta, axes, epsilon, rms_scaling):
    """layer_normalization_fused from generic ops, for arrays on another backend (e.g. CUDA)."""
    from engine.ops.math import add, multiply, reduce_mean, rsqrt, square, subtract

    centred = x if rms_scaling else subtract(x, reduce_mean(x, axis=list(axes), keepdims=True))
    out = multiply(centred, rsqrt(add(reduce_mean(square(centred), axis=list(axes), keepdims=True), epsilon)))
    if gamma is not None:
        out = multiply(out, _broadcast_param(gamma, x, axes))
    if beta is not None:
        out = add(out, _broadcast_param(beta, x, axes))
    return out


def _checked_indices(indices, vocab, layer_name):
    """`indices` as an int64 host array, with clear errors for non-integers and out-of-range values."""
    idx = np.asarray(convert(indices).data)
    if idx.dtype.kind == "f":
        if idx.size and not np.all(np.equal(np.floor(idx), idx)):
            raise ValueError(f'Layer "{layer_name}" expects integer indices. Received non-integer values.')
    elif idx.dtype.kind not in "iub":
        raise TypeError(f'Layer "{layer_name}" expects integer indices. Received dtype {idx.dtype}.')
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= vocab):
        raise ValueError(
            f'Layer "{layer_name}": indices must be in [0, {vocab}) (input_dim={vocab}). '
            f"Received min={int(idx.min())}, max={int(idx.max())}."
        )
    return idx


def embedding_lookup(table, indices, layer_name="embedding"):
    """Rows of `table` (vocab, dim) at integer `indices` (any shape): (*indices.shape, dim)."""
    t = convert(table)
    idx = _checked_indices(indices, t.shape[0], layer_name)
    flat = np.ascontiguousarray(idx.reshape(-1))
    vocab = t.shape[0]
    cpu = backend_of(t.data)  # the table's backend (CUDA has the same kernels)
    table_data = _contiguous(t.data)
    out = cpu.embedding_gather(table_data, flat)

    def backward(g):
        g2 = _contiguous(g.reshape(-1, t.shape[1]))
        return (cpu.embedding_scatter_add(flat, g2, vocab),)

    return record(out.reshape(idx.shape + (t.shape[1],)), (t,), backward)


def softmax_cross_entropy_fused(labels, logits):
    """Per-sample categorical cross-entropy from logits over the last axis, one kernel pass."""
    logits = convert(logits)
    labels = convert(labels, dtype=logits.dtype)
    if labels.shape != logits.shape:
        raise ValueError(f"softmax_cross_entropy_fused: labels {labels.shape} and logits {logits.shape} differ.")
    lead, classes = logits.shape[:-1], logits.shape[-1]
    x2 = _contiguous(logits.data.reshape(-1, classes))
    z2 = _contiguous(labels.data.reshape(-1, classes))
    loss, grad = backend_of(x2).softmax_xent_fused(x2, z2)

    def backward(g):
        gl = np.asarray(g).reshape(-1, 1)
        log_p = None
        if labels._needs_grad:
            shifted = x2 - x2.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return (None if log_p is None else (-gl * log_p).reshape(labels.shape),
                (gl * grad).reshape(logits.shape))

    return record(loss.reshape(lead), (labels, logits), backward)


def sparse_softmax_cross_entropy_fused(labels, logits):
    """Per-sample cross-entropy from logits and integer class labels, one kernel pass."""
    logits = convert(logits)
    classes = logits.shape[-1]
    idx = np.asarray(convert(labels).data).astype(np.int64).reshape(-1)
    x2 = _contiguous(logits.data.reshape(-1, classes))
    if idx.shape[0] != x2.shape[0]:
        raise ValueError(f"sparse_softmax_cross_entropy_fused: {idx.shape[0]} labels for {x2.shape[0]} rows of logits.")
    if idx.size and (idx.min() < 0 or idx.max() >= classes):
        raise ValueError(f"Received a label value outside the valid range [0, {classes}): "
                         f"min={int(idx.min())}, max={int(idx.max())}.")
    loss, grad = backend_of(x2).sparse_softmax_xent_fused(x2, np.ascontiguousarray(idx))

    def backward(g):
        return None, (np.asarray(g).reshape(-1, 1) * grad).reshape(logits.shape)

    return record(loss.reshape(logits.shape[:-1]), (None, logits), backward)


__all__ = ["dense", "batch_normalization_fused", "layer_normalization_fused", "embedding_lookup",
           "softmax_cross_entropy_fused", "sparse_softmax_cross_entropy_fused", "FUSED_ACTIVATIONS"]
