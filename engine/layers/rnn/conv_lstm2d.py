"""`ConvLSTM2D`: convolutional LSTM over sequences of 2-D feature maps."""

from __future__ import annotations

from engine.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM (Shi et al. 2015): the LSTM's matmuls are 2-D convolutions.

    Args:
        filters: positive int, channels of the output and states.
        kernel_size, strides, dilation_rate: an int or 2 ints (strides default 1).
        padding: "valid" (default) or "same". data_format: "channels_last" (default) or
            "channels_first".
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias (True),
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), unit_forget_bias (True), regularizers, constraints,
        dropout, recurrent_dropout, seed, return_sequences, return_state, go_backwards,
        stateful, unroll: as in `LSTM`.

    Input shape: (batch, timesteps, *2 spatial, channels) for channels_last.
    Output shape: (batch, *2 out_spatial, filters), or (batch, timesteps, ...) with
    return_sequences; with return_state [output, h, c].
    Weights: kernel (*kernel_size, channels, 4 * filters), recurrent_kernel
    (*kernel_size, filters, 4 * filters), bias (4 * filters,).
    """

    rank = 2
