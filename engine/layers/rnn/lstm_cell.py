"""`LSTMCell`: one step of a long short-term memory layer."""

from __future__ import annotations

from engine import activations, ops
from engine.layers.rnn.cell_base import DropoutCell


class LSTMCell(DropoutCell):
    """One time step of `LSTM` (Hochreiter 1997), with Keras' gate order i, f, c, o.

    i, f, o = recurrent_activation(...); c_t = f * c_{t-1} + i * activation(...);
    h_t = o * activation(c_t).

    Args:
        units: positive int, size of h and c.
        activation: default "tanh". recurrent_activation: default "sigmoid".
        use_bias: default True. unit_forget_bias: default True, the forget-gate part of
            the bias starts at one.
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), *_regularizer, *_constraint: as in Keras.
        dropout, recurrent_dropout: fractions in [0, 1] dropped from the input and the
            previous h during training. seed: seed of the dropout masks.

    Call: `cell(inputs (batch, features), [h, c])` -> (h, [h, c]).
    Weights: kernel (features, 4 * units), recurrent_kernel (units, 4 * units), bias (4 * units,).
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _build_bias(self):
        if not self.unit_forget_bias:
            return self._add_bias((4 * self.units,))
        units, base = self.units, self.bias_initializer

        def forget_bias_one(shape, dtype=None):
            return ops.concat([base((units,), dtype=dtype), ops.ones((units,), dtype=dtype),
                               base((2 * units,), dtype=dtype)], axis=0)

        self._add_bias((4 * units,), initializer=forget_bias_one)

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        dp, rdp = self._masks_for_step(inputs, training)
        if dp is not None:
            inputs = inputs * dp
        if rdp is not None:
            h_prev = h_prev * rdp
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = ops.split(z, 4, axis=1)
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = f * c_prev + i * self.activation(zc)
        o = self.recurrent_activation(zo)
        h = o * self.activation(c)
        return h, [h, c]

    def fast_sequence(self, x, states, mask, recurrent_mask, go_backwards):
        """All steps in one kernel op: (h sequence, [final h, final c]); None if unsupported."""
        if ops.kernel_activation(self.activation) is None or ops.kernel_activation(self.recurrent_activation) is None:
            return None
        both = ops.lstm_sequence(x, states[0], states[1], self.kernel, self.recurrent_kernel, self.bias, mask=mask,
                                 recurrent_mask=recurrent_mask, go_backwards=go_backwards,
                                 activation=self.activation, recurrent_activation=self.recurrent_activation)
        # the final states index `both` once: their gradient then fills one zero array, not two
        return both[0], [both[0, :, -1], both[1, :, -1]]

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["unit_forget_bias"] = self.unit_forget_bias
        return config

