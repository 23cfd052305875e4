"""`Identity`: returns its input unchanged (a placeholder node)."""

from __future__ import annotations

from engine.layers.layer import Layer


class Identity(Layer):
    """Returns the input as it is; masks pass through.

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return super().get_config()
