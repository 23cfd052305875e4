"""`SimpleRNN`: fully-connected recurrent layer with Keras 3 arguments and weights."""

from __future__ import annotations

from engine.layers.rnn._common import cell_config, make_cell
from engine.layers.rnn.rnn import RNN
from engine.layers.rnn.simple_rnn_cell import SimpleRNNCell


class SimpleRNN(RNN):
    """Fully-connected RNN whose output is fed back as the next step's state.

    h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias); the time loop runs
    in one compiled kernel.

    Args:
        units: positive int, size of the output and state.
        activation ("tanh"), use_bias (True), kernel_initializer ("glorot_uniform"),
        recurrent_initializer ("orthogonal"), bias_initializer ("zeros"),
        kernel/recurrent/bias/activity_regularizer, kernel/recurrent/bias_constraint,
        dropout, recurrent_dropout (fractions in [0, 1], training only), seed,
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.

    Input shape: (batch, timesteps, features). Output shape: (batch, units), or
    (batch, timesteps, units) with return_sequences; with return_state [output, h].
    Weights: kernel (features, units), recurrent_kernel (units, units), bias (units,).
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        cell = make_cell(
            "SimpleRNN", SimpleRNNCell, units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

    def get_config(self):
        from engine import regularizers

        config = super().get_config()
        config.update(cell_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config
