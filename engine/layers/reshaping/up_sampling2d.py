"""`UpSampling2D`: images enlarged by integer factors (nearest or bilinear)."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer


def _bilinear_taps(in_size: int, out_size: int):
    """Source indices (low, high) and the weight of `high` for each output cell.

    Half-pixel centres, as Keras's resize(..., "bilinear") with antialias off:
    source = (out + 0.5) * in / out - 0.5, clamped to the input.
    """
    source = (np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
    source = np.clip(source, 0.0, in_size - 1)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, in_size - 1)
    return low, high, source - low


class UpSampling2D(UnknownSizeShapes, Layer):
    """Enlarge an image by repeating rows and columns (or interpolating between them).

    Args:
        size: int or (rows_factor, cols_factor) of positive ints.
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (repeat) or "bilinear" (half-pixel linear interpolation).

    Input shape: (batch, rows, cols, channels) (channels_last).
    Output shape: (batch, rows * rows_factor, cols * cols_factor, channels).
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.size = args.int_tuple(who, "size", size, 2)
        self.data_format = args.data_format(who, data_format)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{who}: interpolation must be 'nearest' or 'bilinear'. "
                             f"Received: interpolation={interpolation!r}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        x = args.to_channels_last(inputs, self.data_format)
        for axis, factor in ((1, self.size[0]), (2, self.size[1])):
            if factor == 1:
                continue
            if self.interpolation == "nearest":
                x = ops.repeat(x, factor, axis=axis)
            else:
                low, high, weight = _bilinear_taps(x.shape[axis], x.shape[axis] * factor)
                shape = [1, 1, 1, 1]
                shape[axis] = -1
                weight = weight.astype(x.dtype).reshape(shape)
                x = ops.add(ops.multiply(ops.gather(x, low, axis=axis), 1.0 - weight),
                            ops.multiply(ops.gather(x, high, axis=axis), weight))
        return args.to_channels_first(x, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for i, factor in enumerate(self.size):
            if shape[first + i] is not None:
                shape[first + i] *= factor
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return config
