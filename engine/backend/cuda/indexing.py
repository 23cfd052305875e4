"""Index-driven numpy functions on DeviceArrays: take, take_along_axis, put_along_axis,
`ufunc.at` scatter-adds and fancy `[...]` reads.

Each builds the flat element offsets it touches (on the device, from the index array and
cached `arange`s, where it can), then runs one gather or scatter kernel. Only the index
array itself is uploaded when it lives on the host; the data never leaves the GPU.
"""

from __future__ import annotations

import numpy as np

from engine.backend.cuda import nn_kernels
from engine.backend.cuda.device_array import DeviceArray

_aranges: dict = {}


def _dev(value, dtype=None):
    from engine.backend.cuda.dispatch import _to_device

    return _to_device(value, dtype)


def _arange(n: int) -> DeviceArray:
    """0..n-1 as int64 on the device, uploaded once per length."""
    cached = _aranges.get(n)
    if cached is None:
        if len(_aranges) > 256:
            _aranges.clear()
        cached = _aranges[n] = DeviceArray.from_host(np.arange(n, dtype=np.int64))
    return cached


_recent_indices: dict = {}


def _upload_index(host: np.ndarray) -> DeviceArray:
    """Upload a host index array, reusing the copy when the same indices recur (a loss and
    its backward use the labels three times per step)."""
    if host.size > 65536:
        return DeviceArray.from_host(host)
    key = (host.shape, host.tobytes())
    cached = _recent_indices.get(key)
    if cached is None:
        if len(_recent_indices) >= 8:
            _recent_indices.pop(next(iter(_recent_indices)))
        cached = _recent_indices[key] = DeviceArray.from_host(host)
    return cached


def _launch(name, n, *args):
    if n <= 0:
        return
    from engine.backend.cuda.dispatch import device_args

    blocks, threads = nn_kernels.launch(n)
    nn_kernels.get(name)[blocks, threads](*device_args(args))


def _wrapped(indices, length: int, what: str) -> DeviceArray:
    """Indices as int64 on the device with negative values wrapped (numpy's rule)."""
    if not isinstance(indices, DeviceArray):
        host = np.asarray(indices)
        if host.dtype.kind not in "iu":
            raise IndexError(f"{what}: indices must be integers, got dtype {host.dtype}")
        if host.size and (host.min() < -length or host.max() >= length):
            raise IndexError(f"{what}: index out of bounds for an axis of size {length}")
        return _upload_index(np.where(host < 0, host + length, host).astype(np.int64))
    idx = indices if indices.dtype == np.int64 else indices.astype(np.int64)
    return np.where(idx < 0, idx + length, idx)


def _gather(src: DeviceArray, offsets: DeviceArray, shape) -> DeviceArray:
    out = DeviceArray.empty(tuple(shape), src.dtype)
    _launch("gather", out.size, src.buffer, offsets.buffer, out.buffer, out.size)
    return out


def _scatter(dst: DeviceArray, offsets: DeviceArray, values, add: bool) -> None:
    from engine.backend.cuda.dispatch import _broadcast_strides, _shape_arg

    values = _dev(values, dst.dtype)
    shape = offsets.shape
    strides = _broadcast_strides(values.shape, shape) if shape else np.zeros(1, np.int64)
    _launch("scatter", offsets.size, dst.buffer, offsets.buffer, values.buffer, strides, _shape_arg(shape),
            max(len(shape), 1), offsets.size, bool(add))


def _take_offsets(shape, idx: DeviceArray, axis: int) -> DeviceArray:
    """Flat offsets of np.take(a, idx, axis) for an array of `shape`."""
    pre = int(np.prod(shape[:axis])) if axis else 1
    post = int(np.prod(shape[axis + 1:])) if axis + 1 < len(shape) else 1
    n = shape[axis]
    head = (_arange(pre) * (n * post)).reshape((pre,) + (1,) * idx.ndim + (1,))
    mid = (idx * post).reshape((1,) + idx.shape + (1,))
    tail = _arange(post).reshape((1,) + (1,) * idx.ndim + (post,))
    return head + mid + tail


def take(a, indices, axis=None, **kwargs):
    """np.take on the device."""
    a = _dev(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    axis = int(axis) % a.ndim
    idx = _wrapped(indices, a.shape[axis], "take")
    offsets = _take_offsets(a.shape, idx, axis)
    return _gather(a, offsets, a.shape[:axis] + idx.shape + a.shape[axis + 1:])


def _along_axis_offsets(shape, indices, axis, what):
    axis = int(axis) % len(shape)
    idx = _wrapped(indices, shape[axis], what)
    if idx.ndim != len(shape):
        raise ValueError(f"{what}: indices and arr must have the same number of dimensions")
    base = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        base[d] = base[d + 1] * shape[d + 1]
    offsets = idx * base[axis]
    for d in range(len(shape)):
        if d != axis:
            coord = _arange(shape[d]) * base[d] if base[d] != 1 else _arange(shape[d])
            offsets = offsets + coord.reshape(tuple(shape[d] if e == d else 1 for e in range(len(shape))))
    return offsets


def take_along_axis(arr, indices, axis, **kwargs):
    """np.take_along_axis on the device."""
    arr = _dev(arr)
    if axis is None:
        return take_along_axis(arr.reshape(-1), indices, 0)
    offsets = _along_axis_offsets(arr.shape, indices, axis, "take_along_axis")
    return _gather(arr, offsets, offsets.shape)


def put_along_axis(arr, indices, values, axis, **kwargs):
    """np.put_along_axis on the device (writes into `arr`)."""
    if not isinstance(arr, DeviceArray):
        # a host target with device indices or values: numpy writes it, on the host (counted)
        from engine.backend.cuda.dispatch import fallback

        return fallback("put_along_axis", np.put_along_axis, (arr, indices, values, axis), {})
    if axis is None:
        raise ValueError("put_along_axis with axis=None is not supported on the CUDA backend")
    offsets = _along_axis_offsets(arr.shape, indices, axis, "put_along_axis")
    _scatter(arr, offsets, values, add=False)


def _host_key(key):
    if isinstance(key, DeviceArray):
        return key.to_host()
    if isinstance(key, tuple):
        return tuple(_host_key(k) for k in key)
    if isinstance(key, list):
        return [_host_key(k) for k in key]
    return key


def _key_offsets(shape, key) -> DeviceArray:
    """Offsets of a[key] computed from shapes only (the index arrays travel, the data doesn't)."""
    if isinstance(key, DeviceArray) and key.dtype.kind in "iu" or \
            isinstance(key, (np.ndarray, list)) and np.asarray(key).dtype.kind in "iu":
        idx = _wrapped(key if isinstance(key, DeviceArray) else np.asarray(key), shape[0], "index")
        return _take_offsets(shape, idx, 0).reshape(idx.shape + tuple(shape[1:]))
    host = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[_host_key(key)]
    return DeviceArray.from_host(np.asarray(host))


def fancy_getitem(a: DeviceArray, key) -> DeviceArray:
    """a[key] for integer-array or boolean keys."""
    offsets = _key_offsets(a.shape, key)
    return _gather(a, offsets, offsets.shape)


def add_at(target, key, values=None):
    """np.add.at(target, key, values): an atomic scatter-add on the device."""
    if not isinstance(target, DeviceArray):
        raise TypeError("np.add.at on the CUDA backend needs a device target")
    if not isinstance(key, tuple):
        key = (key,)
    if len(key) == 1:
        key = key[0]
    offsets = _key_offsets(target.shape, key)
    _scatter(target, offsets, values, add=True)
