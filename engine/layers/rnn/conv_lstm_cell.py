"""`ConvLSTMCell`: one step of a convolutional LSTM (1-D, 2-D or 3-D)."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.convolution import arguments as conv_args
from engine.layers.rnn.lstm_cell import LSTMCell
from engine.ops.conv import conv_output_length


class ConvLSTMCell(LSTMCell):
    """One time step of a ConvLSTM layer: an LSTM whose matmuls are convolutions.

    The input convolution uses `strides`, `padding` and `dilation_rate`; the recurrent
    convolution uses stride 1 and "same" padding, so the states keep the output's spatial
    size. Gates i, f, c, o along the channel axis, as in Keras.

    Args:
        rank: 1, 2 or 3 spatial dimensions.
        filters: positive int, channels of the output and of both states.
        kernel_size, strides, dilation_rate: an int or `rank` ints.
        padding: "valid" or "same". data_format: "channels_last" (default) or "channels_first".
        The remaining arguments are those of `LSTMCell`.

    Weights: kernel (*kernel_size, in_channels, 4 * filters), recurrent_kernel
    (*kernel_size, filters, 4 * filters), bias (4 * filters,).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 owner="ConvLSTMCell", **kwargs):
        name = owner
        filters = conv_args.positive_int(name, "filters", filters)
        super().__init__(filters, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = conv_args.int_tuple(name, "kernel_size", kernel_size, rank)
        self.strides = conv_args.int_tuple(name, "strides", strides, rank)
        self.padding = conv_args.padding_mode(name, padding)
        self.data_format = conv_args.data_format(name, data_format)
        self.dilation_rate = conv_args.int_tuple(name, "dilation_rate", dilation_rate, rank)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name}: strides > 1 is not compatible with dilation_rate > 1. "
                             f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}")

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f'Layer "{self.name}" needs a known channel dimension. Received: shape={input_shape}')
        width = 4 * self.filters
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (int(channels), width),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=self.kernel_size + (self.filters, width),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        for variable in (self.kernel, self.recurrent_kernel):
            if not variable.data.flags.c_contiguous:
                variable.assign(np.ascontiguousarray(variable.data))
        self._build_bias()
        self.built = True

    def output_spatial_shape(self, spatial):
        """Spatial sizes of the states for input spatial sizes `spatial`."""
        return tuple(conv_output_length(s, k, self.padding, st, d)
                     for s, k, st, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def state_shape(self, step_shape):
        """(batch, *spatial, filters) (or channels first) of h and c for one input step."""
        step_shape = tuple(step_shape)
        if self.data_format == "channels_last":
            return (step_shape[0],) + self.output_spatial_shape(step_shape[1:-1]) + (self.filters,)
        return (step_shape[0], self.filters) + self.output_spatial_shape(step_shape[2:])

    def _recurrent_mask_shape(self, step_shape):
        return self.state_shape(step_shape)

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        dp, rdp = self._masks_for_step(inputs, training)
        if dp is not None:
            inputs = inputs * dp
        if rdp is not None:
            h_prev = h_prev * rdp
        fmt = self.data_format
        z = ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding, data_format=fmt,
                     dilation_rate=self.dilation_rate)
        if self.bias is not None:
            bias = self.bias if fmt == "channels_last" else ops.reshape(self.bias, (-1,) + (1,) * self.rank)
            z = z + bias
        z = z + ops.conv(h_prev, self.recurrent_kernel, strides=1, padding="same", data_format=fmt)
        zi, zf, zc, zo = ops.split(z, 4, axis=self._channel_axis)
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = f * c_prev + i * self.activation(zc)
        o = self.recurrent_activation(zo)
        h = o * self.activation(c)
        return h, [h, c]

    def fast_sequence(self, *args, **kwargs):
        """ConvLSTM steps run one at a time (see RNN._step_loop)."""
        return None

    def get_config(self):
        config = super().get_config()
        config.pop("units", None)
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
        })
        return config
