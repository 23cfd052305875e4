"""`RepeatVector`: repeats a vector n times along a new time axis."""

from __future__ import annotations

from engine import ops
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class RepeatVector(Layer):
    """Repeats each input vector `n` times.

    Args:
        n: positive int, number of repetitions.

    Input shape: (batch, features). Output shape: (batch, n, features).
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"RepeatVector: n must be a positive integer. Received: n={n!r}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
