"""`BaseDepthwiseConv`: the shared body of DepthwiseConv1D and DepthwiseConv2D."""

from __future__ import annotations

from engine import activations, constraints, initializers, ops, regularizers
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer
from engine.ops.conv import conv_output_length, depthwise_conv_bias_activation


class BaseDepthwiseConv(UnknownSizeShapes, Layer):
    """N-d depthwise convolution: channel c gets `depth_multiplier` filters of its own.

    Output channel c * depth_multiplier + j is input channel c convolved with filter j.
    Weights: kernel (*kernel_size, channels, depth_multiplier), bias (channels * depth_multiplier,).
    """

    rank = 2

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        self.kernel_size = args.int_tuple(who, "kernel_size", kernel_size, self.rank)
        self.strides = args.int_tuple(who, "strides", strides, self.rank)
        self.dilation_rate = args.int_tuple(who, "dilation_rate", dilation_rate, self.rank)
        self.padding = args.padding_mode(who, padding)
        self.data_format = args.data_format(who, data_format)
        self.depth_multiplier = args.positive_int(who, "depth_multiplier", depth_multiplier)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 cannot be combined with dilation_rate > 1. "
                             f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" expects input with ndim={self.rank + 2}. '
                             f"Received: shape={input_shape}")
        channels = args.spatial_and_channels(input_shape, self.data_format)[1]
        if channels is None:
            raise ValueError(f'Layer "{self.name}" needs a known channel dimension. Received: shape={input_shape}')
        return channels

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def call(self, inputs):
        x = args.to_channels_last(inputs, self.data_format)
        fused = activations.fusable_name(self.activation)
        if fused is not None and x.dtype == self.kernel.dtype:
            y = depthwise_conv_bias_activation(x, self.kernel, self.bias, fused, strides=self.strides,
                                               padding=self.padding, dilation_rate=self.dilation_rate)
            return args.to_channels_first(y, self.data_format)
        y = ops.depthwise_conv(x, self.kernel, strides=self.strides, padding=self.padding,
                               dilation_rate=self.dilation_rate)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        return args.to_channels_first(self.activation(y), self.data_format)

    def compute_output_shape(self, input_shape):
        channels = self._input_channels(input_shape)
        spatial, _ = args.spatial_and_channels(input_shape, self.data_format)
        out = [conv_output_length(size, k, self.padding, s, d)
               for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": kernel_size={self.kernel_size} with padding={self.padding!r} '
                             f"does not fit the input. Received: shape={tuple(input_shape)}")
        return args.assemble_shape(tuple(input_shape)[0], out, channels * self.depth_multiplier, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
