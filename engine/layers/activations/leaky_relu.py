"""`LeakyReLU`: x for x >= 0, negative_slope * x otherwise."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.layer import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit.

    Args:
        negative_slope: non-negative slope for x < 0 (default 0.3, as Keras 3; the old
            name `alpha` is accepted).

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if (negative_slope is None or isinstance(negative_slope, bool)
                or not isinstance(negative_slope, (int, float, np.floating)) or negative_slope < 0):
            raise ValueError(f"LeakyReLU: negative_slope must be a non-negative number. "
                             f"Received: negative_slope={negative_slope!r}")
        self.negative_slope = float(negative_slope)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
