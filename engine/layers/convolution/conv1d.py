"""`Conv1D`: 1-D convolution (spatial convolution over sequences)."""

from __future__ import annotations

from engine.layers.convolution.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution layer: a kernel slid over the input, plus bias and activation.

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 1 int, the window size.
        strides: int or tuple of 1 int (strides > 1 exclude dilation_rate > 1).
        padding: "valid", "same" or "causal" (left padding only, for temporal models).
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or tuple of 1 int, spacing between kernel taps.
        groups: positive int; input channels and filters are split into this many groups.
        activation: activation name or callable (None means linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (glorot_uniform, zeros).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to `losses`.
        kernel_constraint, bias_constraint: projections applied after each update.

    Weights: kernel (*kernel_size, channels // groups, filters), bias (filters,).
    Input shape: (batch, steps, channels) (channels_last).
    Output shape: (batch, new_steps, filters).
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
