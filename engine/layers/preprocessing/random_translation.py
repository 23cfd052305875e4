"""`RandomTranslation`: shifts images by a random offset while training."""

from __future__ import annotations

import numpy as np

from engine.layers.preprocessing._affine import AffineRandomLayer
from engine.layers.preprocessing._random import as_config_value, factor_range


class RandomTranslation(AffineRandomLayer):
    """While training, shifts each image by a random fraction of its size; otherwise the identity.

    Args:
        height_factor: `f` draws the vertical shift from [-f, f] x height, a pair from
            [low, high] x height (positive moves the content down).
        width_factor: the same for the horizontal shift (positive moves it right).
        fill_mode, interpolation, fill_value, seed: see the class `AffineRandomLayer`.

    Input shape: (batch, height, width, channels). Output shape: the same.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor = as_config_value(height_factor)
        self.width_factor = as_config_value(width_factor)
        self._height_range = factor_range("RandomTranslation", "height_factor", height_factor, bound=1.0)
        self._width_range = factor_range("RandomTranslation", "width_factor", width_factor, bound=1.0)

    def matrices(self, n, height, width):
        rng = self._generator()
        dy = rng.uniform(*self._height_range, size=n) * height
        dx = rng.uniform(*self._width_range, size=n) * width
        ones, zeros = np.ones(n), np.zeros(n)
        return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
