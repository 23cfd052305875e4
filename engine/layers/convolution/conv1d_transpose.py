"""`Conv1DTranspose`: 1-D transposed convolution (learned upsampling)."""

from __future__ import annotations

from engine.layers.convolution.base_conv_transpose import BaseConvTranspose


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution: maps each input cell to a kernel-sized patch of the output.

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 1, the window size.
        strides: int or tuple of 1, the upsampling factor (strides > 1 exclude dilation_rate > 1).
        padding: "valid" (output (size-1)*stride + max(kernel, stride)) or "same" (output size*stride).
        output_padding: None, or int / tuple of 1 (each < its stride) extra cells on the output's end.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or tuple of 1, spacing between kernel taps.
        activation: activation name or callable (None means linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (glorot_uniform, zeros).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to `losses`.
        kernel_constraint, bias_constraint: projections applied after each update.

    Weights: kernel (*kernel_size, filters, channels), bias (filters,).
    Input shape: (batch, steps, channels) (channels_last).
    Output shape: (batch, new_steps, filters).
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
