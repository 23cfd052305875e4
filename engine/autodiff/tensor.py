"""The eager tensor: an array plus, when recorded, the op that produced it."""

from __future__ import annotations

import numpy as np

from engine import dtypes


_DTYPE_NAMES: dict = {}


def dtype_name(dtype) -> str:
    """numpy's name for `dtype` ("float32"), remembered: numpy builds it in Python each time."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = dtype.name
    return name


class Tensor:
    """An immutable array value that ops consume and produce.

    `data` is a backend array (numpy on the CPU). A tensor produced while a
    `GradientTape` records, from inputs that need gradients, carries `_parents` and
    `_backward` so `GradientTape.gradient` can walk back to the variables.
    """

    __array_priority__ = 1000
    __slots__ = ("data", "_parents", "_backward", "_needs_grad", "_keras_mask", "_relu_fusion", "__weakref__")

    def __init__(self, data, dtype=None):
        if dtype is not None:
            data = np.asarray(data, dtype=dtypes.standardize(dtype))
        elif not hasattr(data, "shape"):
            data = _default_array(data)
        self.data = data
        self._parents = ()
        self._backward = None
        self._needs_grad = False
        self._keras_mask = None

    # -- value access -------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> str:
        return dtype_name(self.data.dtype)

    @property
    def ndim(self) -> int:
        return len(self.data.shape)

    def numpy(self):
        """The value as a host numpy array (a copy for device arrays)."""
        from engine.backend import backend_of

        return backend_of(self.data).to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def __len__(self):
        if not self.data.shape:
            raise TypeError("len() of a scalar tensor")
        return self.data.shape[0]

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __bool__(self):
        return bool(self.numpy())

    def __index__(self):
        return int(self.numpy())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __hash__(self):
        return id(self)

    # -- printing like TensorFlow ---------------------------------------------
    def __str__(self):
        value = self.numpy()
        body = str(value) if self.ndim == 0 else np.array2string(value, separator=" ")
        sep = "\n" if "\n" in body else ""
        return f"tf.Tensor({sep}{body}, shape={self.shape}, dtype={self.dtype})"

    def __repr__(self):
        value = self.numpy()
        text = str(value) if self.ndim == 0 else repr(value)
        sep = "\n" if "\n" in text else ""
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype}, numpy={sep}{text}>"

    # -- arithmetic delegates to engine.ops -----------------------------------------
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().abs(self)

    def __getitem__(self, key):
        return _ops().getitem(self, key)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    def __eq__(self, other):
        if other is None:
            return False
        return _ops().equal(self, other)

    def __ne__(self, other):
        if other is None:
            return True
        return _ops().not_equal(self, other)

    # -- convenience, as on TF tensors ----------------------------------------------
    @property
    def T(self):
        return _ops().transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _ops().reshape(self, shape)

    def astype(self, dtype):
        return _ops().cast(self, dtype)


_OPS = None


def _ops():
    global _OPS
    if _OPS is None:
        from engine import ops

        _OPS = ops
    return _OPS


def _default_array(value):
    array = np.asarray(value)
    if array.dtype == np.float64 and not isinstance(value, np.ndarray):
        array = array.astype(dtypes.floatx())
    elif array.dtype == np.int64 and not isinstance(value, np.ndarray):
        array = array.astype(np.int32)
    return array


def is_tensor(value) -> bool:
    """Whether `value` is an engine tensor (variables included)."""
    return isinstance(value, Tensor)


def convert(value, dtype=None) -> Tensor:
    """Wrap numpy arrays, Python numbers and lists as tensors; tensors pass through."""
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtypes.standardize(dtype):
            return _ops().cast(value, dtype)
        return value
    if hasattr(value, "__tensor__"):
        return value.__tensor__()
    if dtype is None and isinstance(value, np.ndarray):
        return Tensor(value)
    if dtype is None:
        return Tensor(_default_array(value))
    return Tensor(np.asarray(value, dtype=dtypes.standardize(dtype)))
