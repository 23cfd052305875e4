"""`BaseGlobalPooling`: the shared body of the global max and average pooling layers."""

from __future__ import annotations

from engine import ops
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer


class BaseGlobalPooling(UnknownSizeShapes, Layer):
    """Max or mean over all spatial axes of each channel; `keepdims` keeps them as size 1."""

    rank = 2
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.data_format = args.data_format(who, data_format)
        if not isinstance(keepdims, bool):
            raise ValueError(f"{who}: keepdims must be True or False. Received: keepdims={keepdims!r}")
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def call(self, inputs):
        reduce = ops.reduce_max if self.mode == "max" else ops.reduce_mean
        return reduce(inputs, axis=self._spatial_axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" expects input with ndim={self.rank + 2}. '
                             f"Received: shape={input_shape}")
        spatial, channels = args.spatial_and_channels(input_shape, self.data_format)
        if self.keepdims:
            return args.assemble_shape(input_shape[0], (1,) * self.rank, channels, self.data_format)
        return (input_shape[0], channels)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
