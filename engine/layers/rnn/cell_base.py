"""What the SimpleRNN, LSTM and GRU cells share: weight settings, dropout masks, config."""

from __future__ import annotations

import numpy as np

from engine import activations, constraints, initializers, regularizers
from engine.layers.layer import Layer
from engine.layers.rnn._common import check_rate, check_units, dropout_mask, make_rng


class DropoutCell(Layer):
    """Base of the built-in recurrent cells (one time step of a recurrent layer).

    Holds the Keras cell arguments shared by SimpleRNNCell, LSTMCell and GRUCell and the
    dropout masks of the sequence in progress: one input mask and one recurrent mask per
    sequence, reused at every step, as in Keras.
    """

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.units = check_units(owner, units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(owner, "dropout", dropout)
        self.recurrent_dropout = check_rate(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = make_rng(seed)
        self._sequence_masks = None

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def _add_kernels(self, input_dim):
        width = self.gates * self.units
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        for variable in (self.kernel, self.recurrent_kernel):
            # the orthogonal initializer can return a transposed (Fortran-ordered) array
            if not variable.data.flags.c_contiguous:
                variable.assign(np.ascontiguousarray(variable.data))

    def _add_bias(self, shape, initializer=None):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=shape, initializer=initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f'Layer "{self.name}" needs a known last input dimension. Received: shape={input_shape}')
        self._add_kernels(int(input_dim))
        self._build_bias()
        self.built = True

    def _build_bias(self):
        self._add_bias((self.gates * self.units,))

    # -- dropout masks -----------------------------------------------------------------
    def make_masks(self, step_shape, dtype, training):
        """(input mask or None, recurrent mask or None) for one sequence whose steps have
        shape `step_shape` (batch first)."""
        dp = rdp = None
        if training and 0.0 < self.dropout < 1.0:
            dp = dropout_mask(self._rng, tuple(step_shape), self.dropout, dtype)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            rdp = dropout_mask(self._rng, self._recurrent_mask_shape(tuple(step_shape)), self.recurrent_dropout,
                               dtype)
        return dp, rdp

    def _recurrent_mask_shape(self, step_shape):
        return (step_shape[0], self.units)

    def _masks_for_step(self, inputs, training):
        if self._sequence_masks is not None:
            return self._sequence_masks
        return self.make_masks(inputs.shape, inputs.dtype, training)

    def get_initial_state(self, batch_size=None):
        """Zero states, one (batch_size, size) tensor per state."""
        from engine import ops

        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, s), dtype=self.compute_dtype) for s in sizes]

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config
