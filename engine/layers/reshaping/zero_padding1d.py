"""`ZeroPadding1D`: zeros added before and after the steps axis."""

from __future__ import annotations

from engine import ops
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer
from engine.layers.reshaping.spatial_arguments import amounts


class ZeroPadding1D(UnknownSizeShapes, Layer):
    """Pad a sequence with zero steps at its start and end.

    Args:
        padding: int (both sides) or tuple (before, after) of non-negative ints.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: (batch, steps, channels) (channels_last).
    Output shape: (batch, before + steps + after, channels).
    """

    keeps_input_dtype = True

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = amounts(type(self).__name__, "padding", padding, 1)
        self.data_format = args.data_format(type(self).__name__, data_format)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        pads = [(0, 0), self.padding, (0, 0)] if self.data_format == "channels_last" else [(0, 0), (0, 0), self.padding]
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axis = 1 if self.data_format == "channels_last" else 2
        if shape[axis] is not None:
            shape[axis] += sum(self.padding)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
