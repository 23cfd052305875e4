"""`BasePooling`: the shared body of the max and average pooling layers."""

from __future__ import annotations

from engine import ops
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer
from engine.ops.pooling import pool_output_length


class BasePooling(UnknownSizeShapes, Layer):
    """Max or average over sliding windows of each channel.

    `strides` defaults to `pool_size`. "same" padding gives ceil(size / stride) outputs;
    padded cells never count (average pooling divides by the real cells of each window).
    """

    rank = 2
    mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.pool_size = args.int_tuple(who, "pool_size", pool_size, self.rank)
        self.strides = self.pool_size if strides is None else args.int_tuple(who, "strides", strides, self.rank)
        self.padding = args.padding_mode(who, padding)
        self.data_format = args.data_format(who, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        x = args.to_channels_last(inputs, self.data_format)
        pool = ops.max_pool if self.mode == "max" else ops.average_pool
        return args.to_channels_first(pool(x, self.pool_size, self.strides, self.padding), self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" expects input with ndim={self.rank + 2}. '
                             f"Received: shape={input_shape}")
        spatial, channels = args.spatial_and_channels(input_shape, self.data_format)
        out = [pool_output_length(size, k, self.padding, s) for size, k, s in zip(spatial, self.pool_size, self.strides)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": pool_size={self.pool_size} does not fit the input with '
                             f"padding={self.padding!r}. Received: shape={input_shape}")
        return args.assemble_shape(input_shape[0], out, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                       "data_format": self.data_format})
        return config
