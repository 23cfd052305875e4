"""`DeviceArray`: an n-d array in GPU memory that numpy functions dispatch on.

Ops are written against numpy (`np.exp(x)`, `a @ b`, `x.sum(axis=1)`). A DeviceArray
implements numpy's dispatch protocols (`__array_ufunc__`, `__array_function__`), so the same
op code runs CUDA kernels when its inputs live on the GPU. Functions without a CUDA kernel yet
run on the host through a counted fallback (see `stats`), so results are always right and
the remaining round trips are visible.
"""

from __future__ import annotations

import numbers

import numpy as np

from engine.backend.cuda import kernels, stats


def _cuda():
    from numba import cuda

    return cuda


class DeviceArray:
    """A C-contiguous array on the GPU: a flat device buffer plus shape and dtype."""

    __array_priority__ = 2000

    def __init__(self, buffer, shape, dtype):
        self.buffer = buffer
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)

    # -- construction / transfer ------------------------------------------------------
    @classmethod
    def from_host(cls, array) -> "DeviceArray":
        """Copy a host array to the GPU (counted)."""
        array = np.asarray(array, order="C")
        if array.dtype == np.float16:
            array = array.astype(np.float32)
        stats.count("to_device", array.nbytes)
        flat = array.reshape(-1) if array.size else np.zeros(1, dtype=array.dtype)
        return cls(_cuda().to_device(flat), array.shape, array.dtype)

    @classmethod
    def empty(cls, shape, dtype) -> "DeviceArray":
        size = int(np.prod(shape)) if len(shape) else 1
        return cls(_cuda().device_array(max(size, 1), dtype=np.dtype(dtype)), shape, dtype)

    @classmethod
    def full(cls, shape, value, dtype) -> "DeviceArray":
        out = cls.empty(shape, dtype)
        blocks, threads = kernels.launch_1d(out.buffer.size)
        kernels.get("fill")[blocks, threads](out.buffer, np.dtype(dtype).type(value))
        return out

    def to_host(self) -> np.ndarray:
        """Copy to a host numpy array (counted)."""
        stats.count("to_host", self.nbytes)
        host = self.buffer.copy_to_host()
        return host[: self.size].reshape(self.shape)

    # -- array attributes ------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def flags(self):
        """numpy-style layout flags: a DeviceArray is always C-contiguous and writeable."""
        return _FLAGS

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __repr__(self):
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype.name})"

    def __array__(self, dtype=None, copy=None):
        host = self.to_host()
        return host if dtype is None else host.astype(dtype)

    def __float__(self):
        return float(self.to_host())

    def __int__(self):
        return int(self.to_host())

    def __bool__(self):
        return bool(self.to_host())

    # -- numpy dispatch --------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from engine.backend.cuda import dispatch

        return dispatch.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from engine.backend.cuda import dispatch

        return dispatch.function(func, args, kwargs)

    # -- methods numpy arrays have ---------------------------------------------------
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = list(shape)
        if -1 in shape:
            known = int(np.prod([s for s in shape if s != -1])) or 1
            shape[shape.index(-1)] = self.size // known
        if int(np.prod(shape)) != self.size:
            raise ValueError(f"cannot reshape array of size {self.size} into shape {tuple(shape)}")
        return DeviceArray(self.buffer, shape, self.dtype)

    def astype(self, dtype, copy=True):
        from engine.backend.cuda import dispatch

        return dispatch.astype(self, dtype)

    def copy(self):
        return self.astype(self.dtype)

    def transpose(self, *axes):
        from engine.backend.cuda import dispatch

        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return dispatch.transpose(self, axes or None)

    def sum(self, axis=None, keepdims=False, dtype=None):
        from engine.backend.cuda import dispatch

        return dispatch.reduce("sum", self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        from engine.backend.cuda import dispatch

        return dispatch.reduce("max", self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        from engine.backend.cuda import dispatch

        return dispatch.reduce("min", self, axis, keepdims)

    def mean(self, axis=None, keepdims=False, dtype=None):
        from engine.backend.cuda import dispatch

        return dispatch.mean(self, axis, keepdims)

    def __getitem__(self, key):
        from engine.backend.cuda import dispatch

        return dispatch.getitem(self, key)

    def __setitem__(self, key, value):
        from engine.backend.cuda import dispatch

        dispatch.setitem(self, key, value)

    # -- operators -------------------------------------------------------------------
    def __add__(self, o):
        return np.add(self, o)

    def __radd__(self, o):
        return np.add(o, self)

    def __sub__(self, o):
        return np.subtract(self, o)

    def __rsub__(self, o):
        return np.subtract(o, self)

    def __mul__(self, o):
        return np.multiply(self, o)

    def __rmul__(self, o):
        return np.multiply(o, self)

    def __truediv__(self, o):
        return np.true_divide(self, o)

    def __rtruediv__(self, o):
        return np.true_divide(o, self)

    def __pow__(self, o):
        return np.power(self, o)

    def __rpow__(self, o):
        return np.power(o, self)

    def __matmul__(self, o):
        return np.matmul(self, o)

    def __rmatmul__(self, o):
        return np.matmul(o, self)

    def __neg__(self):
        return np.negative(self)

    def __abs__(self):
        return np.absolute(self)

    def __gt__(self, o):
        return np.greater(self, o)

    def __ge__(self, o):
        return np.greater_equal(self, o)

    def __lt__(self, o):
        return np.less(self, o)

    def __le__(self, o):
        return np.less_equal(self, o)

    def __eq__(self, o):
        return np.equal(self, o)

    def __ne__(self, o):
        return np.not_equal(self, o)

    def __and__(self, o):
        return np.logical_and(self, o)

    def __or__(self, o):
        return np.logical_or(self, o)

    def __invert__(self):
        return np.logical_not(self)

    __hash__ = object.__hash__


class _Flags:
    c_contiguous = True
    contiguous = True
    writeable = True
    owndata = True

    @property
    def f_contiguous(self):
        return False

    def __getitem__(self, name):
        return getattr(self, name.lower())


_FLAGS = _Flags()


def is_scalar(value) -> bool:
    return isinstance(value, (numbers.Number, np.generic)) or (isinstance(value, np.ndarray) and value.ndim == 0)
