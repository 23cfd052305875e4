"""Shape and indexing ops: reshape, transpose, concat, slicing, gather, padding."""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autodiff.function import record
from engine.autodiff.tensor import Tensor, convert


def cast(a, dtype):
    """Change dtype; gradients flow only between float types."""
    a = convert(a)
    name = dtypes.standardize(dtype)
    src = a.dtype
    if src == name:
        return a
    differentiable = dtypes.is_float(name) and dtypes.is_float(src)
    return record(a.data.astype(name), (a,), lambda g: (g.astype(src) if differentiable else None,))


def reshape(a, shape):
    """Reshape (-1 infers one axis)."""
    a = convert(a)
    shape = tuple(int(s) if s is not None else -1 for s in (shape.numpy().tolist() if isinstance(shape, Tensor) else shape))
    original = a.shape
    return record(a.data.reshape(shape), (a,), lambda g: (g.reshape(original),))


def transpose(a, perm=None):
    """Permute axes (reverse them when `perm` is None)."""
    a = convert(a)
    perm = tuple(range(a.ndim))[::-1] if perm is None else tuple(int(p) for p in perm)
    inverse = tuple(np.argsort(perm))
    return record(np.transpose(a.data, perm), (a,), lambda g: (np.transpose(g, inverse),))


def expand_dims(a, axis):
    """Insert a length-1 axis."""
    a = convert(a)
    original = a.shape
    return record(np.expand_dims(a.data, axis), (a,), lambda g: (g.reshape(original),))


def squeeze(a, axis=None):
    """Remove length-1 axes."""
    a = convert(a)
    original = a.shape
    return record(np.squeeze(a.data, axis=axis), (a,), lambda g: (g.reshape(original),))


def broadcast_to(a, shape):
    """Broadcast to `shape`."""
    from engine.ops._util import unbroadcast

    a = convert(a)
    original = a.shape
    return record(np.broadcast_to(a.data, tuple(shape)).copy(), (a,), lambda g: (unbroadcast(g, original),))


def tile(a, multiples):
    """Repeat the whole tensor `multiples[i]` times along axis i."""
    a = convert(a)
    multiples = tuple(int(m) for m in multiples)
    original = a.shape

    def backward(g):
        split_shape = []
        for m, n in zip(multiples, original):
            split_shape += [m, n]
        return (g.reshape(split_shape).sum(axis=tuple(range(0, 2 * len(original), 2))),)

    return record(np.tile(a.data, multiples), (a,), backward)


def repeat(a, repeats, axis):
    """Repeat each element `repeats` times along `axis`."""
    a = convert(a)
    axis = int(axis) % a.ndim
    original = a.shape

    def backward(g):
        shape = original[:axis] + (original[axis], repeats) + original[axis + 1 :]
        return (g.reshape(shape).sum(axis=axis + 1),)

    return record(np.repeat(a.data, repeats, axis=axis), (a,), backward)


def concat(values, axis=-1):
    """Join tensors along an existing axis."""
    tensors = [convert(v) for v in values]
    ndim = tensors[0].ndim
    axis = int(axis) % ndim
    sizes = [t.shape[axis] for t in tensors]
    bounds = np.cumsum(sizes)[:-1]
    return record(
        np.concatenate([t.data for t in tensors], axis=axis),
        tuple(tensors),
        lambda g: tuple(np.split(g, bounds, axis=axis)),
    )


def stack(values, axis=0):
    """Join tensors along a new axis."""
    tensors = [convert(v) for v in values]
    ax = int(axis) % (tensors[0].ndim + 1)
    return record(
        np.stack([t.data for t in tensors], axis=ax),
        tuple(tensors),
        lambda g: tuple(np.take(g, i, axis=ax) for i in range(len(tensors))),
    )


def unstack(a, axis=0):
    """Split along `axis` into a list of tensors without that axis."""
    a = convert(a)
    return [getitem(a, (slice(None),) * (int(axis) % a.ndim) + (i,)) for i in range(a.shape[axis])]


def split(a, num_or_size_splits, axis=0):
    """Split into pieces along `axis` (a count, or a list of sizes)."""
    a = convert(a)
    axis = int(axis) % a.ndim
    if isinstance(num_or_size_splits, int):
        size = a.shape[axis] // num_or_size_splits
        sizes = [size] * num_or_size_splits
    else:
        sizes = list(num_or_size_splits)
    out, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, start + size),)
        out.append(getitem(a, index))
        start += size
    return out


def _plain_key(key):
    if isinstance(key, Tensor):
        return key.numpy()
    if isinstance(key, tuple):
        return tuple(_plain_key(k) for k in key)
    if isinstance(key, list):
        return [_plain_key(k) for k in key]
    return key


def getitem(a, key):
    """numpy-style indexing and slicing."""
    a = convert(a)
    key = _plain_key(key)
    ad = a.data
    out = ad[key]

    basic = _is_basic_key(key)

    def backward(g):
        full = np.zeros_like(g, shape=ad.shape)  # on g's backend (a device g stays on the device)
        if basic and isinstance(full, np.ndarray):  # a view: every element is selected at most once
            full[key] = g
        else:
            np.add.at(full, key, g)
        return (full,)

    return record(np.array(out) if np.ndim(out) == 0 else out, (a,), backward)


def _is_basic_key(key):
    """Whether `key` is basic indexing (ints, slices, Ellipsis, None), which never repeats an element."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, slice)
               or (isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))) for k in parts)


def gather(params, indices, axis=0):
    """Take slices of `params` along `axis` at `indices`."""
    params = convert(params)
    idx = np.asarray(convert(indices).data).astype(np.int64)
    axis = int(axis) % params.ndim
    pd = params.data

    def backward(g):
        full = np.zeros(pd.shape, dtype=g.dtype)
        moved = np.moveaxis(full, axis, 0)
        g_moved = np.moveaxis(g, list(range(axis, axis + idx.ndim)), list(range(idx.ndim)))
        np.add.at(moved, idx, g_moved)
        return (full,)

    return record(np.take(pd, idx, axis=axis), (params,), backward)


def pad(a, paddings, mode="constant", constant_values=0):
    """Pad each axis by (before, after) amounts."""
    a = convert(a)
    pads = [tuple(int(x) for x in p) for p in (paddings.numpy().tolist() if isinstance(paddings, Tensor) else paddings)]
    slices = tuple(slice(p[0], p[0] + n) for p, n in zip(pads, a.shape))
    np_mode = {"constant": "constant", "reflect": "reflect", "symmetric": "symmetric"}[mode.lower()]
    kwargs = {"constant_values": constant_values} if np_mode == "constant" else {}
    shape = a.shape

    def backward(g):
        if np_mode == "constant":
            return (g[slices],)
        # each output position copies one input position: sum the gradient back by source index
        source = np.pad(np.arange(int(np.prod(shape))).reshape(shape), pads, mode=np_mode)
        summed = np.bincount(source.ravel(), weights=g.ravel(), minlength=source.size)[: int(np.prod(shape))]
        return (summed.reshape(shape).astype(g.dtype, copy=False),)

    return record(np.pad(a.data, pads, mode=np_mode, **kwargs), (a,), backward)


def flip(a, axis):
    """Reverse the order along `axis`."""
    a = convert(a)
    return record(np.flip(a.data, axis), (a,), lambda g: (np.flip(g, axis),))


def one_hot(indices, depth, dtype="float32"):
    """One-hot encode integer indices (no gradient)."""
    idx = np.asarray(convert(indices).data).astype(np.int64)
    out = np.zeros(idx.shape + (int(depth),), dtype=dtypes.standardize(dtype))
    valid = (idx >= 0) & (idx < depth)
    np.put_along_axis(out, np.where(valid, idx, 0)[..., None], valid[..., None].astype(out.dtype), axis=-1)
    return Tensor(out)


def stop_gradient(a):
    """The same value, cut off from differentiation."""
    return Tensor(convert(a).data)


def identity(a):
    """A recorded copy of `a` (gradient passes through)."""
    a = convert(a)
    return record(a.data, (a,), lambda g: (g,))
