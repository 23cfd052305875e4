"""`RandomZoom`: zooms images in or out by a random amount while training."""

from __future__ import annotations

import numpy as np

from engine.layers.preprocessing._affine import AffineRandomLayer
from engine.layers.preprocessing._random import as_config_value, factor_range


class RandomZoom(AffineRandomLayer):
    """While training, scales each image about its centre; otherwise the identity.

    Args:
        height_factor: `f` draws the vertical zoom from [-f, f], a pair from [low, high]; the
            image is sampled over (1 + zoom) times its height, so a positive zoom zooms out.
        width_factor: the same for the width; None keeps the aspect ratio (the vertical draw).
        fill_mode, interpolation, fill_value, seed: see the class `AffineRandomLayer`.

    Input shape: (batch, height, width, channels). Output shape: the same.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor = as_config_value(height_factor)
        self._height_range = factor_range("RandomZoom", "height_factor", height_factor)
        self.width_factor = None if width_factor is None else as_config_value(width_factor)
        self._width_range = None if width_factor is None else factor_range("RandomZoom", "width_factor", width_factor)
        if self._height_range[0] < -1 or (self._width_range and self._width_range[0] < -1):
            raise ValueError("RandomZoom: a factor below -1 would zoom by a negative amount.")

    def matrices(self, n, height, width):
        rng = self._generator()
        zoom_y = 1.0 + rng.uniform(self._height_range[0], self._height_range[1], size=n)
        zoom_x = zoom_y if self._width_range is None else 1.0 + rng.uniform(*self._width_range, size=n)
        zeros = np.zeros(n)
        return np.stack([zoom_x, zeros, (width - 1) / 2.0 * (1 - zoom_x),
                         zeros, zoom_y, (height - 1) / 2.0 * (1 - zoom_y), zeros, zeros], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
