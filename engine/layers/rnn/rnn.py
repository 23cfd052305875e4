"""`RNN`: runs a recurrent cell over the time axis; the base of SimpleRNN, LSTM and GRU."""

from __future__ import annotations

import inspect

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor, convert
from engine.layers import call_context
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.layers.rnn._common import check_bool, deserialize_layer, serialize_layer
from engine.layers.symbolic import flatten

# Attributes read through to the cell, as on Keras' LSTM/GRU/SimpleRNN layers.
_CELL_ATTRIBUTES = frozenset({
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "reset_after",
    "seed",
})


class RNN(Layer):
    """Apply `cell` to every time step of a sequence, carrying its state.

    The built-in cells run the whole sequence in one compiled kernel; other cells (any
    layer with `call(inputs, states)` and `state_size`) run step by step.

    Args:
        cell: an RNN cell instance (SimpleRNNCell, LSTMCell, GRUCell or your own).
        return_sequences: return the whole output sequence (default: only the last output).
        return_state: also return the final states, after the output.
        go_backwards: process the sequence in reverse and return the reversed sequence.
        stateful: keep the final states of each batch as the initial states of the next
            (the batch size must stay fixed); `reset_states()` zeros them.
        unroll: accepted for Keras compatibility; the result is the same either way.
        zero_output_for_mask: output zeros at masked steps instead of the previous output.

    Call arguments: sequences (batch, timesteps, features); initial_state: list of
    (batch, size) tensors; mask: (batch, timesteps) booleans (False steps are skipped);
    training: enables dropout.

    Output shape: (batch, units), or (batch, timesteps, units) with return_sequences;
    with return_state a list [output, *states], each state (batch, units).
    """

    _sequence_ndim = 3  # (batch, timesteps, features); ConvLSTM layers add spatial axes

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        owner = type(self).__name__
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"{owner}: cell must be a layer with `call` and `state_size`. Received: cell={cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = check_bool(owner, "return_sequences", return_sequences)
        self.return_state = check_bool(owner, "return_state", return_state)
        self.go_backwards = check_bool(owner, "go_backwards", go_backwards)
        self.stateful = check_bool(owner, "stateful", stateful)
        self.unroll = check_bool(owner, "unroll", unroll)
        self.zero_output_for_mask = check_bool(owner, "zero_output_for_mask", zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=self._sequence_ndim)
        self.states = None

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if name in _CELL_ATTRIBUTES and cell is not None:
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def state_size(self):
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def _output_size(self):
        return getattr(self.cell, "output_size", None) or self.state_size[0]

    # -- building -------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        ndim = self._sequence_ndim
        if len(sequences_shape) != ndim:
            raise ValueError(f'Layer "{self.name}" expects input with ndim={ndim} (batch, timesteps, ...). '
                             f"Received: shape={sequences_shape}")
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((sequences_shape[0],) + sequences_shape[2:])
            self.cell.built = True
        self.input_spec = InputSpec(ndim=ndim, axes={-1: sequences_shape[-1]})
        self.built = True

    # -- running --------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        x = sequences
        batch = x.shape[0]
        if x.shape[1] == 0:
            raise ValueError(f'Layer "{self.name}" needs at least one time step. Received: shape={x.shape}')
        states = self._initial_states(x, initial_state)
        mask_array = None if mask is None else np.asarray(convert(mask).numpy()).astype(bool)
        if mask_array is not None and mask_array.all():
            mask_array = None

        dp = rdp = None
        if hasattr(self.cell, "make_masks"):
            dp, rdp = self.cell.make_masks((batch,) + tuple(x.shape[2:]), x.dtype, bool(training))
        result = None
        last = None
        if hasattr(self.cell, "fast_sequence"):
            x_in = x if dp is None else x * ops.expand_dims(dp, 1)
            result = self.cell.fast_sequence(x_in, states, mask_array, rdp, self.go_backwards)
            if result is not None:
                seq, final = result
                masked = self._mask_outputs(seq, mask_array)
                if masked is seq and not self.return_state:  # the kernels' last output is their final h
                    last = final[0]
                seq = masked
        if result is None:
            seq, final = self._step_loop(x, states, mask_array, training, (dp, rdp))

        if self.stateful and not call_context.in_symbolic_run():
            self.states = [Tensor(np.array(s.data)) for s in final]
        output = seq if self.return_sequences else (last if last is not None else seq[:, -1])
        if self.return_state:
            return [output] + list(final)
        return output

    def _state_shapes(self, input_shape):
        """Shape of each state for inputs of `input_shape`."""
        return [(input_shape[0], s) for s in self.state_size]

    def _initial_states(self, x, initial_state):
        batch = x.shape[0]
        shapes = self._state_shapes(x.shape)
        if initial_state is None:
            if self.stateful:
                return self._stateful_states(x.shape, x.dtype)
            return [Tensor(np.zeros(shape, dtype=x.dtype)) for shape in shapes]
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(given) != len(shapes):
            raise ValueError(f'Layer "{self.name}" expects {len(shapes)} initial state(s). '
                             f"Received: {len(given)} initial state(s)")
        result = []
        for state, shape in zip(given, shapes):
            state = convert(state, dtype=x.dtype)
            if state.shape != tuple(shape) or state.shape[0] != batch:
                raise ValueError(f'Layer "{self.name}": an initial state must have shape {tuple(shape)}. '
                                 f"Received: shape={state.shape}")
            result.append(state)
        return result

    def _stateful_states(self, input_shape, dtype):
        batch = input_shape[0]

        def zeros():
            return [Tensor(np.zeros(shape, dtype=dtype)) for shape in self._state_shapes(input_shape)]

        if call_context.in_symbolic_run():
            usable = self.states is not None and self.states[0].shape[0] == batch
            return [Tensor(s.data) for s in self.states] if usable else zeros()
        if self.states is None:
            self.states = zeros()
        if self.states[0].shape[0] != batch:
            raise ValueError(
                f'Layer "{self.name}" is stateful, so the batch size of its inputs must stay '
                f"{self.states[0].shape[0]}. Received: batch size {batch}"
            )
        return [Tensor(s.data.astype(dtype, copy=False)) for s in self.states]

    def _mask_outputs(self, seq, mask_array):
        """Keras output at masked steps: the previous output (zeros before the first
        unmasked step), or zeros with zero_output_for_mask."""
        if mask_array is None:
            return seq
        steps = mask_array[:, ::-1] if self.go_backwards else mask_array
        if not self.zero_output_for_mask:
            steps = np.logical_or.accumulate(steps, axis=1)
        if steps.all():
            return seq
        return seq * Tensor(steps[:, :, None].astype(seq.dtype))

    def _step_loop(self, x, states, mask_array, training, masks):
        """Run the cell one step at a time (cells without a sequence kernel)."""
        takes_training = "training" in inspect.signature(self.cell.call).parameters
        steps = range(x.shape[1] - 1, -1, -1) if self.go_backwards else range(x.shape[1])
        if hasattr(self.cell, "_sequence_masks"):
            self.cell._sequence_masks = masks
        outputs, prev = [], None
        try:
            for t in steps:
                kwargs = {"training": bool(training)} if takes_training else {}
                out, new_states = self.cell(x[:, t], list(states), **kwargs)
                new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
                if mask_array is not None:
                    step_keep = mask_array[:, t]

                    def keep(like):
                        return Tensor(step_keep.reshape((-1,) + (1,) * (like.ndim - 1)))

                    fallback = ops.zeros_like(out) if self.zero_output_for_mask or prev is None else prev
                    out = ops.where(keep(out), out, fallback)
                    new_states = [ops.where(keep(n), n, s) for n, s in zip(new_states, states)]
                outputs.append(out)
                prev, states = out, new_states
        finally:
            if hasattr(self.cell, "_sequence_masks"):
                self.cell._sequence_masks = None
        return ops.stack(outputs, axis=1), states

    def reset_states(self, states=None):
        """Zero the carried states of a stateful layer (or set them to `states`)."""
        if self.states is None:
            return
        if states is None:
            self.states = [Tensor(np.zeros_like(s.data)) for s in self.states]
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(self.states):
            raise ValueError(f'Layer "{self.name}" has {len(self.states)} state(s). Received: {len(states)}')
        new = []
        for old, value in zip(self.states, states):
            value = np.asarray(convert(value).numpy(), dtype=old.data.dtype)
            if value.shape != old.shape:
                raise ValueError(f'Layer "{self.name}": state shape {old.shape} does not match {value.shape}')
            new.append(Tensor(value))
        self.states = new

    reset_state = reset_states

    # -- shapes, masks, config -------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        batch = sequences_shape[0]
        units = self._output_size
        output = (batch, sequences_shape[1], units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [output] + [(batch, s) for s in self.state_size]
        return output

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        return mask if self.return_sequences else None

    def _set_output_mask(self, args, kwargs, outputs):
        if not args:
            return
        mask = self.compute_mask(args[0], kwargs.get("mask"))
        flat = flatten(outputs)
        for out in flat:
            if isinstance(out, Tensor):
                out._keras_mask = None
        if flat and isinstance(flat[0], Tensor):
            flat[0]._keras_mask = mask

    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        if type(self) is RNN:
            config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is RNN and isinstance(config.get("cell"), dict):
            config["cell"] = deserialize_layer(config["cell"], "RNN")
        return super().from_config(config)
