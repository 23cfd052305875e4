"""`SimpleRNNCell`: one step of a fully-connected recurrent layer."""

from __future__ import annotations

from engine import ops
from engine.layers.rnn.cell_base import DropoutCell


class SimpleRNNCell(DropoutCell):
    """One time step of `SimpleRNN`: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias).

    Args:
        units: positive int, size of the state and output.
        activation: default "tanh". use_bias: default True.
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), *_regularizer, *_constraint: as in Keras.
        dropout, recurrent_dropout: fractions in [0, 1] dropped from the input and the
            previous state during training. seed: seed of the dropout masks.

    Call: `cell(inputs (batch, features), states [h (batch, units)])` -> (h, [h]).
    Weights: kernel (features, units), recurrent_kernel (units, units), bias (units,).
    """

    gates = 1

    def call(self, inputs, states, training=False):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        dp, rdp = self._masks_for_step(inputs, training)
        if dp is not None:
            inputs = inputs * dp
        h = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        if rdp is not None:
            h_prev = h_prev * rdp
        out = self.activation(h + ops.matmul(h_prev, self.recurrent_kernel))
        return out, [out]

    def fast_sequence(self, x, states, mask, recurrent_mask, go_backwards):
        """All steps in one kernel op: (state sequence, [final h]); None if unsupported."""
        if ops.kernel_activation(self.activation) is None:
            return None
        hs = ops.simple_rnn_sequence(x, states[0], self.kernel, self.recurrent_kernel, self.bias, mask=mask,
                                     recurrent_mask=recurrent_mask, go_backwards=go_backwards,
                                     activation=self.activation)
        return hs, [hs[:, -1]]
