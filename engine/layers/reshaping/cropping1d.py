"""`Cropping1D`: steps removed from the start and end of a sequence."""

from __future__ import annotations

from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer
from engine.layers.reshaping.spatial_arguments import amounts


class Cropping1D(UnknownSizeShapes, Layer):
    """Drop steps from the start and end of a sequence.

    Args:
        cropping: int (both ends) or tuple (start, end) of non-negative ints.

    Input shape: (batch, steps, channels).
    Output shape: (batch, steps - start - end, channels).
    """

    keeps_input_dtype = True

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = amounts(type(self).__name__, "cropping", cropping, 1)
        self.input_spec = InputSpec(ndim=3)

    def _check(self, shape):
        steps = shape[1]
        if steps is not None and steps - sum(self.cropping) <= 0:
            raise ValueError(f'Layer "{self.name}": cropping={self.cropping} removes all {steps} steps. '
                             f"Received: shape={tuple(shape)}")

    def call(self, inputs):
        self._check(inputs.shape)
        start, end = self.cropping
        return inputs[:, start:inputs.shape[1] - end, :]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps - sum(self.cropping), input_shape[2])

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping})
        return config
