"""What the random augmentation layers share: seeded draws and the training-only switch."""

from __future__ import annotations

import numpy as np

from engine.layers.layer import Layer
from engine.layers.regularization._noise import layer_generator
from engine.random import generator


def factor_range(cls_name, argument, factor, bound=None):
    """A factor `f` as the range (-f, f), a pair as (low, high) sorted; checked against `bound`."""
    message = (f"{cls_name}: {argument} must be a number or a pair of numbers"
               f"{f' within [{-bound}, {bound}]' if bound is not None else ''}. Received: {argument}={factor!r}")
    if isinstance(factor, (list, tuple)):
        if len(factor) != 2 or not all(isinstance(f, (int, float)) and not isinstance(f, bool) for f in factor):
            raise ValueError(message)
        low, high = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float, np.floating)) and not isinstance(factor, bool):
        low, high = -abs(float(factor)), abs(float(factor))
    else:
        raise ValueError(message)
    if bound is not None and (low < -bound or high > bound):
        raise ValueError(message)
    return low, high


def as_config_value(factor):
    """A factor as stored in the config: a float or a list of two floats."""
    return [float(f) for f in factor] if isinstance(factor, (list, tuple)) else float(factor)


class RandomLayer(Layer):
    """Base of the augmentation layers: `call` transforms only when training=True.

    With `seed` the layer draws from its own generator (the same sequence every run),
    otherwise from the engine's global one (`keras.utils.set_random_seed`).
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = layer_generator(seed)
        self.supports_masking = False

    def _generator(self) -> np.random.Generator:
        return self._rng if self._rng is not None else generator()

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return self.transform(inputs)

    def transform(self, inputs):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config
