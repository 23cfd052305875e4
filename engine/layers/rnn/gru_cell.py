"""`GRUCell`: one step of a gated recurrent unit layer."""

from __future__ import annotations

from engine import activations, ops
from engine.layers.rnn.cell_base import DropoutCell


class GRUCell(DropoutCell):
    """One time step of `GRU` (Cho et al. 2014), with Keras' gate order z, r, h.

    z, r = recurrent_activation(...); hh = activation(x @ W_h + r * (h @ U_h + b_rh)) when
    reset_after (the Keras 3 / cuDNN default), else activation(x @ W_h + (r * h) @ U_h + b_h);
    h_t = z * h_{t-1} + (1 - z) * hh.

    Args:
        units: positive int, size of the state and output.
        activation: default "tanh". recurrent_activation: default "sigmoid".
        use_bias: default True. reset_after: default True.
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), *_regularizer, *_constraint: as in Keras.
        dropout, recurrent_dropout: fractions in [0, 1] dropped during training. seed.

    Call: `cell(inputs (batch, features), [h])` -> (h, [h]).
    Weights: kernel (features, 3 * units), recurrent_kernel (units, 3 * units), bias
    (2, 3 * units) with reset_after (input and recurrent bias) or (3 * units,) without.
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _build_bias(self):
        self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))

    def call(self, inputs, states, training=False):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        dp, rdp = self._masks_for_step(inputs, training)
        if dp is not None:
            inputs = inputs * dp
        if rdp is not None:
            h_prev = h_prev * rdp
        U = self.units
        if self.bias is None:
            input_bias = recurrent_bias = None
        elif self.reset_after:
            input_bias, recurrent_bias = self.bias[0], self.bias[1]
        else:
            input_bias, recurrent_bias = self.bias, None
        mx = ops.matmul(inputs, self.kernel)
        if input_bias is not None:
            mx = mx + input_bias
        x_z, x_r, x_h = ops.split(mx, 3, axis=1)
        if self.reset_after:
            inner = ops.matmul(h_prev, self.recurrent_kernel)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            r_z, r_r, r_h = ops.split(inner, 3, axis=1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + r * r_h)
        else:
            inner = ops.matmul(h_prev, self.recurrent_kernel[:, : 2 * U])
            r_z, r_r = ops.split(inner, 2, axis=1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + ops.matmul(r * h_prev, self.recurrent_kernel[:, 2 * U:]))
        h = z * h_prev + (1 - z) * hh
        return h, [h]

    def fast_sequence(self, x, states, mask, recurrent_mask, go_backwards):
        """All steps in one kernel op: (state sequence, [final h]); None if unsupported."""
        if ops.kernel_activation(self.activation) is None or ops.kernel_activation(self.recurrent_activation) is None:
            return None
        hs = ops.gru_sequence(x, states[0], self.kernel, self.recurrent_kernel, self.bias, mask=mask,
                              recurrent_mask=recurrent_mask, go_backwards=go_backwards, activation=self.activation,
                              recurrent_activation=self.recurrent_activation, reset_after=self.reset_after)
        return hs, [hs[:, -1]]

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["reset_after"] = self.reset_after
        return config
