"""`Flatten`: collapses every non-batch axis into one."""

from __future__ import annotations

import math

from engine import ops
from engine.layers.layer import Layer

_DATA_FORMATS = ("channels_last", "channels_first")


class Flatten(Layer):
    """Flattens the input to (batch, features); the batch size is unaffected.

    Args:
        data_format: "channels_last" (default) or "channels_first"; with channels_first the
            channel axis is moved last before flattening, so weights of a following Dense
            match a channels_last model.

    Input shape: (batch, ...). Output shape: (batch, product of the other axes); a 1-D
    input (batch,) becomes (batch, 1).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = data_format or "channels_last"
        if data_format not in _DATA_FORMATS:
            raise ValueError(f"Flatten: data_format must be one of {_DATA_FORMATS}. Received: {data_format!r}")
        self.data_format = data_format

    def call(self, inputs):
        rank = inputs.ndim
        if self.data_format == "channels_first" and rank > 2:
            inputs = ops.transpose(inputs, (0, *range(2, rank), 1))
        return ops.reshape(inputs, (inputs.shape[0], int(math.prod(inputs.shape[1:]))))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        size = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
