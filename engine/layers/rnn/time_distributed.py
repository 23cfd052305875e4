"""`TimeDistributed`: apply the same layer to every time step of a sequence."""

from __future__ import annotations

from engine import ops
from engine.layers.layer import Layer
from engine.layers.rnn._common import deserialize_layer, serialize_layer


class TimeDistributed(Layer):
    """Apply `layer` to each temporal slice of the input (axis 1), with shared weights.

    The batch and time axes are folded into one, the layer runs once on
    (batch * timesteps, ...), and the result is unfolded again.

    Args:
        layer: the layer to apply to every time step.

    Input shape: (batch, timesteps, ...) with at least 3 axes.
    Output shape: (batch, timesteps) + the layer's output shape without its batch axis.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: layer must be a Layer instance. Received: layer={layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f'Layer "{self.name}" (TimeDistributed) expects an input with at least 3 '
                             f"dimensions (batch, timesteps, ...). Received: shape={input_shape}")
        return (input_shape[0],) + input_shape[2:]

    def build(self, input_shape):
        child = self._child_shape(input_shape)
        if not self.layer.built:
            self.layer.build(child)
            self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        self._child_shape(inputs.shape)
        batch, steps = inputs.shape[0], inputs.shape[1]
        folded = ops.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {}
        spec = self.layer._spec()
        if spec.has_training and training is not None:
            kwargs["training"] = training
        if spec.has_mask and mask is not None:
            kwargs["mask"] = ops.reshape(mask, (batch * steps,) + tuple(mask.shape[2:]))
        out = self.layer(folded, **kwargs)
        return ops.reshape(out, (batch, steps) + tuple(out.shape[1:]))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (input_shape[0], input_shape[1]) + tuple(child[1:])

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], "TimeDistributed")
        return super().from_config(config)
