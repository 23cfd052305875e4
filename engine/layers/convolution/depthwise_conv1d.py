"""`DepthwiseConv1D`: each input channel convolved with its own 1-D filters."""

from __future__ import annotations

from engine.layers.convolution.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution: channel c gets `depth_multiplier` filters of its own.

    Output channel c * depth_multiplier + j is input channel c convolved with filter j.

    Args:
        kernel_size: int or tuple of 1, the window size.
        strides: int or tuple of 1 (strides > 1 exclude dilation_rate > 1).
        padding: "valid" or "same".
        depth_multiplier: positive int, filters per input channel.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or tuple of 1.
        activation: activation name or callable (None means linear).
        use_bias: whether to add a bias vector.
        depthwise_initializer, bias_initializer: initializers (glorot_uniform, zeros).
        depthwise_regularizer, bias_regularizer, activity_regularizer: penalties added to `losses`.
        depthwise_constraint, bias_constraint: projections applied after each update.

    Weights: kernel (k, channels, depth_multiplier), bias (channels * depth_multiplier,).
    Input shape: (batch, steps, channels) (channels_last).
    Output shape: (batch, new_steps, channels * depth_multiplier).
    """

    rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)
