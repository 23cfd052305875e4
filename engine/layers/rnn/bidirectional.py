"""`Bidirectional`: run a recurrent layer forwards and backwards and merge the two outputs."""

from __future__ import annotations

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer
from engine.layers.rnn._common import deserialize_layer, serialize_layer
from engine.layers.symbolic import flatten

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Bidirectional wrapper for recurrent layers (LSTM, GRU, SimpleRNN, RNN).

    Two copies of `layer` are made from its config: `forward_layer` and `backward_layer`
    (with go_backwards flipped). The backward sequence is reversed back into time order
    before merging.

    Args:
        layer: the recurrent layer to wrap (its config is copied; weights are not shared).
        merge_mode: "concat" (default), "sum", "mul", "ave" or None (a list of both outputs).
        backward_layer: optional layer to use for the backward direction.

    Input shape: (batch, timesteps, features). Output shape: that of `layer`, with the
    last axis doubled for "concat"; with return_state the forward then backward states
    follow the output(s).
    Weights: forward_layer's, then backward_layer's.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: layer must be a Layer instance. Received: layer={layer!r}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}. "
                             f"Received: merge_mode={merge_mode!r}")
        for attr in ("go_backwards", "return_sequences", "return_state", "stateful"):
            if not hasattr(layer, attr):
                raise ValueError(f"Bidirectional: layer must be a recurrent layer (it has no `{attr}`). "
                                 f"Received: layer={layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: backward_layer must be a Layer instance. "
                             f"Received: backward_layer={backward_layer!r}")
        super().__init__(**kwargs)
        base = layer.name[len("forward_"):] if layer.name.startswith("forward_") else layer.name
        config = layer.get_config()
        config["name"] = f"forward_{base}"
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["name"] = f"backward_{base}"
            config["go_backwards"] = not layer.go_backwards
            backward_layer = type(layer).from_config(config)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Bidirectional: the forward and backward layers must have different go_backwards. "
                             f"Received: go_backwards={self.forward_layer.go_backwards} for both")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(self.forward_layer, attr) != getattr(self.backward_layer, attr):
                raise ValueError(f"Bidirectional: the forward and backward layers must have the same {attr}. "
                                 f"Received: {getattr(self.forward_layer, attr)} and "
                                 f"{getattr(self.backward_layer, attr)}")
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._initial_weights = weights

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) != 3:
            raise ValueError(f'Layer "{self.name}" expects input with ndim=3 (batch, timesteps, features). '
                             f"Received: shape={sequences_shape}")
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(sequences_shape)
                sub.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"mask": mask}
        if training is not None:
            kwargs["training"] = training
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state)
            if len(states) % 2:
                raise ValueError(f'Layer "{self.name}" expects an even number of initial states '
                                 f"(forward then backward). Received: {len(states)}")
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = ops.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def reset_states(self, states=None):
        """Reset the carried states of both directions (stateful layers)."""
        half = None if states is None else len(states) // 2
        self.forward_layer.reset_states(None if states is None else states[:half])
        self.backward_layer.reset_states(None if states is None else states[half:])

    reset_state = reset_states

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(tuple(sequences_shape))
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
            states = states + states
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (None if shape[-1] is None else 2 * shape[-1],)
            output = [shape]
        elif self.merge_mode is None:
            output = [tuple(shape), tuple(shape)]
        else:
            output = [tuple(shape)]
        if self.return_state or self.merge_mode is None:
            return output + states
        return output[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        return mask if self.return_sequences else None

    def _set_output_mask(self, args, kwargs, outputs):
        if not args:
            return
        mask = self.compute_mask(args[0], kwargs.get("mask"))
        outputs_only = 2 if self.merge_mode is None else 1
        for i, out in enumerate(flatten(outputs)):
            if isinstance(out, Tensor):
                out._keras_mask = mask if i < outputs_only else None

    def get_config(self):
        config = super().get_config()
        config.update({
            "merge_mode": self.merge_mode,
            "layer": serialize_layer(self.forward_layer),
            "backward_layer": serialize_layer(self.backward_layer),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], "Bidirectional")
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], "Bidirectional")
        return super().from_config(config)
