"""`Activation`: applies an activation function elementwise."""

from __future__ import annotations

from engine import activations
from engine.layers.layer import Layer


class Activation(Layer):
    """Applies `activation` to its input.

    Args:
        activation: activation name (e.g. "relu") or callable.

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
