"""`ZeroPadding2D`: zero rows and columns around an image."""

from __future__ import annotations

from engine import ops
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer
from engine.layers.reshaping.spatial_arguments import amounts


class ZeroPadding2D(UnknownSizeShapes, Layer):
    """Pad an image with zero rows (top, bottom) and columns (left, right).

    Args:
        padding: int (all sides), (rows, cols) symmetric amounts, or ((top, bottom), (left, right)).
        data_format: "channels_last" (default) or "channels_first".

    Input shape: (batch, rows, cols, channels) (channels_last).
    Output shape: (batch, top + rows + bottom, left + cols + right, channels).
    """

    keeps_input_dtype = True

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = amounts(type(self).__name__, "padding", padding, 2)
        self.data_format = args.data_format(type(self).__name__, data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        if self.data_format == "channels_last":
            pads = [(0, 0), *self.padding, (0, 0)]
        else:
            pads = [(0, 0), (0, 0), *self.padding]
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for i, pair in enumerate(self.padding):
            if shape[first + i] is not None:
                shape[first + i] += sum(pair)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
