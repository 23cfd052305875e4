"""`ConvLSTM`: the shared implementation of ConvLSTM1D, ConvLSTM2D and ConvLSTM3D."""

from __future__ import annotations

from engine.layers.rnn._common import cell_config, make_cell
from engine.layers.rnn.conv_lstm_cell import ConvLSTMCell
from engine.layers.rnn.rnn import RNN


class ConvLSTM(RNN):
    """Convolutional LSTM over a sequence of `rank`-D feature maps (use the 1D/2D/3D classes).

    Input shape: (batch, timesteps, *spatial, channels) (channels_last) or
    (batch, timesteps, channels, *spatial). Output shape: (batch, *out_spatial, filters),
    or with return_sequences (batch, timesteps, *out_spatial, filters); with return_state
    [output, h, c]. out_spatial follows the input convolution's padding, strides and
    dilation.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        owner = type(self).__name__
        cell = make_cell(
            owner, ConvLSTMCell, self.rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, owner=owner, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True), name="conv_lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

    @property
    def _sequence_ndim(self):
        return self.rank + 3

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and name in ("filters", "kernel_size", "strides", "padding", "data_format",
                                         "dilation_rate"):
            return getattr(cell, name)
        return super().__getattr__(name)

    def _state_shapes(self, input_shape):
        step = (input_shape[0],) + tuple(input_shape[2:])
        shape = self.cell.state_shape(step)
        return [shape, shape]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        state = self.cell.state_shape((sequences_shape[0],) + sequences_shape[2:])
        output = (state[0], sequences_shape[1]) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [output, state, state]
        return output

    def get_config(self):
        from engine import regularizers

        config = super().get_config()
        config.update(cell_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config
