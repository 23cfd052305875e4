"""`ELU`: exponential linear unit."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.layer import Layer


class ELU(Layer):
    """f(x) = x for x > 0, alpha * (exp(x) - 1) otherwise.

    Args:
        alpha: scale of the negative part (default 1.0).

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)):
            raise ValueError(f"ELU: alpha must be a number. Received: alpha={alpha!r}")
        self.alpha = float(alpha)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
