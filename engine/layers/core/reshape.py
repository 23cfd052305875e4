"""`Reshape`: gives the non-batch axes a new shape."""

from __future__ import annotations

import math

from engine import ops
from engine.layers.layer import Layer


class Reshape(Layer):
    """Reshapes every sample to `target_shape`.

    Args:
        target_shape: tuple of ints, the new shape without the batch axis; one entry may be
            -1 and is inferred from the others.

    Input shape: (batch, ...). Output shape: (batch, *target_shape).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        try:
            target_shape = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"Reshape: target_shape must be a tuple of integers. Received: {target_shape!r}") from None
        if sum(d == -1 for d in target_shape) > 1 or any(d < -1 or d == 0 for d in target_shape):
            raise ValueError(
                f"Reshape: target_shape may hold positive sizes and at most one -1. Received: {target_shape}"
            )
        self.target_shape = target_shape

    def _resolve(self, input_shape):
        known = math.prod(d for d in self.target_shape if d != -1)
        rest = tuple(input_shape)[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(rest)
        if -1 in self.target_shape:
            if total % known:
                raise ValueError(
                    f'Layer "{self.name}" cannot reshape an input of shape {tuple(input_shape)} '
                    f"({total} values per sample) to {self.target_shape}."
                )
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if total != known:
            raise ValueError(
                f'Layer "{self.name}": the total size of the input sample ({total}, shape {tuple(input_shape)[1:]}) '
                f"differs from the target shape {self.target_shape} ({known})."
            )
        return self.target_shape

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
