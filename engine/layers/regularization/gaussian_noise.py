"""`GaussianNoise`: adds zero-mean Gaussian noise during training."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer
from engine.layers.regularization._noise import layer_generator
from engine.random import generator


class GaussianNoise(Layer):
    """Adds N(0, stddev^2) noise in training; passes the input through at inference.

    Args:
        stddev: float >= 0, standard deviation of the noise.
        seed: optional int; the layer then draws from its own generator.

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float, np.floating)) or stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be a non-negative number. Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self._rng = layer_generator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        source = self._rng if self._rng is not None else generator()
        noise = source.normal(0.0, self.stddev, size=inputs.shape).astype(inputs.dtype)
        return ops.add(inputs, Tensor(noise))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
