"""`ConvLSTM1D`: convolutional LSTM over sequences of 1-D feature maps."""

from __future__ import annotations

from engine.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM (Shi et al. 2015): the LSTM's matmuls are 1-D convolutions.

    Args:
        filters: positive int, channels of the output and states.
        kernel_size, strides, dilation_rate: an int or 1 ints (strides default 1).
        padding: "valid" (default) or "same". data_format: "channels_last" (default) or
            "channels_first".
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias (True),
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), unit_forget_bias (True), regularizers, constraints,
        dropout, recurrent_dropout, seed, return_sequences, return_state, go_backwards,
        stateful, unroll: as in `LSTM`.

    Input shape: (batch, timesteps, *1 spatial, channels) for channels_last.
    Output shape: (batch, *1 out_spatial, filters), or (batch, timesteps, ...) with
    return_sequences; with return_state [output, h, c].
    Weights: kernel (*kernel_size, channels, 4 * filters), recurrent_kernel
    (*kernel_size, filters, 4 * filters), bias (4 * filters,).
    """

    rank = 1
