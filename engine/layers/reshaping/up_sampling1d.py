"""`UpSampling1D`: each step repeated `size` times."""

from __future__ import annotations

from engine import ops
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer


class UpSampling1D(UnknownSizeShapes, Layer):
    """Repeat each step of a sequence `size` times (nearest-neighbour upsampling).

    Args:
        size: positive int, the upsampling factor.

    Input shape: (batch, steps, channels).
    Output shape: (batch, steps * size, channels).
    """

    keeps_input_dtype = True

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = args.positive_int(type(self).__name__, "size", size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size})
        return config
