"""`Metric`: a stateful quantity accumulated over batches, reset each epoch."""

from __future__ import annotations

import numpy as np

from engine.autodiff.tape import stop_recording
from engine.autodiff.tensor import Tensor
from engine.variables import Variable


class Metric:
    """Accumulates state in non-trainable variables; `result()` reads it.

    Calling a metric (`metric(y_true, y_pred)`) updates it and returns the current result,
    as the guide's `LogisticEndpoint` does with `BinaryAccuracy`.
    """

    def __init__(self, name=None, dtype=None):
        from engine.layers.naming import snake_case

        self.name = name or snake_case(type(self).__name__)
        self._dtype = dtype or "float32"
        self._variables: list[Variable] = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None):
        """A state variable (never trained)."""
        value = np.zeros(shape, dtype=dtype or self._dtype)
        if initializer not in ("zeros", None):
            from engine import initializers

            value = initializers.get(initializer)(shape, dtype or self._dtype).numpy()
        from engine.backend import device

        with device("cpu"):  # metrics accumulate on the host, where logs are read
            variable = Variable(value, trainable=False, name=name or "variable")
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    add_weight = add_variable

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    @property
    def dtype(self):
        return self._dtype

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self) -> None:
        """Zero every state variable."""
        for v in self._variables:
            v.assign(np.zeros(v.shape, dtype=v.dtype))

    reset_states = reset_state

    def __call__(self, *args, **kwargs):
        with stop_recording():
            self.update_state(*args, **kwargs)
            return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def as_array(value, dtype="float32"):
    """Host numpy array of a tensor, array or number (metrics compute on the host)."""
    if isinstance(value, Tensor):
        value = value.numpy()
    return np.asarray(value, dtype=dtype) if dtype else np.asarray(value)
