"""`Dropout`: randomly zeroes inputs during training."""

from __future__ import annotations

from engine.layers.layer import Layer
from engine.layers.regularization._noise import apply_dropout, check_rate, layer_generator, resolve_noise_shape


class Dropout(Layer):
    """Sets inputs to 0 with probability `rate` in training and scales the rest by 1 / (1 - rate).

    At inference (training False or None) the input passes through unchanged.

    Args:
        rate: float in [0, 1), fraction of inputs dropped.
        noise_shape: optional tuple, the shape of the keep mask, broadcast over the input
            (e.g. (batch, 1, features) drops the same features at every timestep); None
            entries take the input's size.
        seed: optional int; the layer then draws from its own generator.

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate("Dropout", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = layer_generator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = resolve_noise_shape(self.name, self.noise_shape, inputs.shape)
        return apply_dropout(inputs, self.rate, shape, self._rng)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
