"""`Cropping2D`: rows and columns removed from the edges of an image."""

from __future__ import annotations

from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer
from engine.layers.reshaping.spatial_arguments import amounts


class Cropping2D(UnknownSizeShapes, Layer):
    """Drop rows (top, bottom) and columns (left, right) from an image.

    Args:
        cropping: int (all edges), (rows, cols) symmetric amounts, or ((top, bottom), (left, right)).
        data_format: "channels_last" (default) or "channels_first".

    Input shape: (batch, rows, cols, channels) (channels_last).
    Output shape: (batch, rows - top - bottom, cols - left - right, channels).
    """

    keeps_input_dtype = True

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = amounts(type(self).__name__, "cropping", cropping, 2)
        self.data_format = args.data_format(type(self).__name__, data_format)
        self.input_spec = InputSpec(ndim=4)

    def _first_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def _check(self, shape):
        first = self._first_axis()
        for i, pair in enumerate(self.cropping):
            size = shape[first + i]
            if size is not None and size - sum(pair) <= 0:
                raise ValueError(f'Layer "{self.name}": cropping={self.cropping} removes every cell of axis '
                                 f"{first + i}. Received: shape={tuple(shape)}")

    def call(self, inputs):
        self._check(inputs.shape)
        first = self._first_axis()
        key = [slice(None)] * 4
        for i, (before, after) in enumerate(self.cropping):
            key[first + i] = slice(before, inputs.shape[first + i] - after)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        shape = list(input_shape)
        first = self._first_axis()
        for i, pair in enumerate(self.cropping):
            if shape[first + i] is not None:
                shape[first + i] -= sum(pair)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
