"""`RandomRotation`: turns images by a random angle while training."""

from __future__ import annotations

import numpy as np

from engine.layers.preprocessing._affine import AffineRandomLayer
from engine.layers.preprocessing._random import as_config_value, factor_range


def rotation_matrices(angles, height, width):
    """Keras-style matrices turning images by `angles` (radians) about their centre."""
    cos, sin = np.cos(angles), np.sin(angles)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    zeros = np.zeros_like(angles)
    return np.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros], axis=1)


class RandomRotation(AffineRandomLayer):
    """While training, rotates each image by an angle drawn uniformly; otherwise the identity.

    Args:
        factor: a fraction of a full turn: `f` draws from [-f, f] x 360 degrees, a pair
            (low, high) from [low, high] x 360 degrees.
        fill_mode, interpolation, fill_value, seed: see the class `AffineRandomLayer`.

    Input shape: (batch, height, width, channels). Output shape: the same.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.factor = as_config_value(factor)
        self._range = factor_range("RandomRotation", "factor", factor)

    def matrices(self, n, height, width):
        turns = self._generator().uniform(self._range[0], self._range[1], size=n)
        return rotation_matrices(turns * 2 * np.pi, height, width)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
