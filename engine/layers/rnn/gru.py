"""`GRU`: gated recurrent unit layer (Cho et al. 2014) with Keras 3 arguments and weights."""

from __future__ import annotations

from engine.layers.rnn._common import cell_config, make_cell
from engine.layers.rnn.gru_cell import GRUCell
from engine.layers.rnn.rnn import RNN


class GRU(RNN):
    """Gated recurrent unit over a sequence; the time loop runs in one compiled kernel.

    Args:
        units: positive int, size of the output and state.
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias (True),
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), kernel/recurrent/bias/activity_regularizer,
        kernel/recurrent/bias_constraint, dropout, recurrent_dropout (fractions in [0, 1],
        training only), seed, return_sequences, return_state, go_backwards, stateful,
        unroll: as in `RNN`.
        reset_after: True (default, Keras 3) applies the reset gate after the recurrent
            matmul and uses separate input and recurrent biases.
        use_cudnn: accepted for Keras compatibility.

    Input shape: (batch, timesteps, features). Output shape: (batch, units), or
    (batch, timesteps, units) with return_sequences; with return_state [output, h].
    Weights (Keras order): kernel (features, 3 * units), recurrent_kernel
    (units, 3 * units), bias (2, 3 * units) with reset_after else (3 * units,); gates z, r, h.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        cell = make_cell(
            "GRU", GRUCell, units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            reset_after=reset_after, seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="gru_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn

    def get_config(self):
        from engine import regularizers

        config = super().get_config()
        config.update(cell_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["use_cudnn"] = self.use_cudnn
        return config
