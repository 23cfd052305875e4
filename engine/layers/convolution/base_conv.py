"""`BaseConv`: the shared body of Conv1D, Conv2D and Conv3D."""

from __future__ import annotations

from engine import activations, constraints, initializers, ops, regularizers
from engine.layers.convolution import arguments as args
from engine.layers.input_spec import InputSpec
from engine.layers.convolution.symbolic_shapes import UnknownSizeShapes
from engine.layers.layer import Layer
from engine.ops.conv import conv_output_length


class BaseConv(UnknownSizeShapes, Layer):
    """N-d convolution: output = activation(conv(inputs, kernel) + bias).

    The kernel has shape (*kernel_size, input_channels // groups, filters) and the bias
    (filters,), as in Keras, so Keras weights load unchanged.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("lora_rank", None)
        kwargs.pop("lora_alpha", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        rank = self.rank
        self.filters = args.positive_int(who, "filters", filters)
        self.kernel_size = args.int_tuple(who, "kernel_size", kernel_size, rank)
        self.strides = args.int_tuple(who, "strides", strides, rank)
        self.dilation_rate = args.int_tuple(who, "dilation_rate", dilation_rate, rank)
        self.padding = args.padding_mode(who, padding, ("valid", "same", "causal") if rank == 1 else ("valid", "same"))
        self.data_format = args.data_format(who, data_format)
        self.groups = args.positive_int(who, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(f"{who}: filters must be divisible by groups. "
                             f"Received: filters={self.filters}, groups={self.groups}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 cannot be combined with dilation_rate > 1. "
                             f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

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
        if channels % self.groups:
            raise ValueError(f'Layer "{self.name}": input channels ({channels}) must be divisible by '
                             f"groups={self.groups}. Received: shape={tuple(input_shape)}")
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def call(self, inputs):
        x = args.to_channels_last(inputs, self.data_format)
        fused = activations.fusable_name(self.activation)
        if fused is not None and x.dtype == self.kernel.dtype:
            # one op: convolution, bias and activation (and one for the backward pass)
            y = ops.conv_bias_activation(x, self.kernel, self.bias, fused, strides=self.strides,
                                         padding=self.padding, dilation_rate=self.dilation_rate)
            return args.to_channels_first(y, self.data_format)
        y = ops.conv(x, self.kernel, strides=self.strides, padding=self.padding, dilation_rate=self.dilation_rate)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        return args.to_channels_first(self.activation(y), self.data_format)

    def compute_output_shape(self, input_shape):
        self._input_channels(input_shape)
        spatial, _ = args.spatial_and_channels(input_shape, self.data_format)
        out = [conv_output_length(size, k, self.padding, s, d)
               for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": kernel_size={self.kernel_size} with '
                             f"dilation_rate={self.dilation_rate} and padding={self.padding!r} does not fit "
                             f"the input. Received: shape={tuple(input_shape)}")
        return args.assemble_shape(tuple(input_shape)[0], out, self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

