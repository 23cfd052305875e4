"""`Variable`: mutable state that layers own and optimizers update."""

from __future__ import annotations

import itertools

import numpy as np

from engine import dtypes
from engine.autodiff.tensor import Tensor, convert

_uid = itertools.count()


class Variable(Tensor):
    """A named, assignable tensor. Trainable variables are watched by `GradientTape`.

    Ops read its current value; `assign*` replace the value (never in place), so tensors
    computed earlier keep the value they were computed from.
    """

    __slots__ = ("name", "path", "_trainable", "regularizer", "constraint", "uid", "aggregation")

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None, shape=None,
                 regularizer=None, constraint=None, aggregation="mean", **_ignored):
        if callable(initial_value) and not isinstance(initial_value, Tensor):
            initial_value = initial_value(shape=shape, dtype=dtype) if shape is not None else initial_value()
        value = _to_array(initial_value, dtype)
        super().__init__(place(value))
        self.uid = next(_uid)
        self.name = name or "Variable"
        self.path = self.name
        self._trainable = bool(trainable)
        self._needs_grad = self._trainable
        self.regularizer = regularizer
        self.constraint = constraint
        self.aggregation = aggregation

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self._needs_grad = self._trainable

    @property
    def value(self) -> Tensor:
        """A snapshot tensor of the current value."""
        return Tensor(self.data)

    def read_value(self) -> Tensor:
        return self.value

    def assign(self, value):
        """Replace the value; the shape must stay the same."""
        array = _to_array(value, self.dtype)
        if array.shape != self.data.shape:
            raise ValueError(
                f"Cannot assign a value of shape {array.shape} to variable '{self.path}' "
                f"of shape {self.data.shape}."
            )
        self.data = _on_backend_of(self.data, array)
        return self

    def assign_add(self, delta):
        """Add `delta` to the value."""
        return self.assign(self.numpy_view() + _to_array(delta, self.dtype))

    def assign_sub(self, delta):
        """Subtract `delta` from the value."""
        return self.assign(self.numpy_view() - _to_array(delta, self.dtype))

    def numpy_view(self):
        """The value without copying when it already lives on the host."""
        return self.data if isinstance(self.data, np.ndarray) else self.numpy()

    def __repr__(self):
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
            f"value={np.array2string(self.numpy(), separator=', ')}>"
        )

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __hash__(self):
        return id(self)

    def __tensor__(self):
        return self


def _to_array(value, dtype):
    dtype = dtypes.standardize(dtype)
    if isinstance(value, Tensor):
        value = value.numpy() if not isinstance(value.data, np.ndarray) else value.data
        return np.array(value, dtype=dtype or value.dtype)
    array = np.array(value, dtype=dtype) if dtype else np.array(convert(value).data)
    return array


def place(array):
    """`array` on the device of the innermost `device(...)` scope (host arrays stay on the CPU)."""
    from engine.backend import current

    backend = current()
    return array if backend.name == "cpu" else backend.asarray(array)


def _on_backend_of(current, array):
    from engine.backend import backend_of

    backend = backend_of(current)
    return array if backend.name == "cpu" else backend.asarray(array)
