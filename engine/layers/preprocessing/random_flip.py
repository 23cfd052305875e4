"""`RandomFlip`: mirrors images at random while training."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.preprocessing._image import check_choice, image_size, reshape_images, sample
from engine.layers.preprocessing._random import RandomLayer

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(RandomLayer):
    """While training, flips each image with probability 1/2; otherwise returns the input.

    Args:
        mode: "horizontal" (left-right), "vertical" (up-down) or "horizontal_and_vertical"
            (both together, as Keras does: a half turn).
        seed: optional int for the layer's own generator.

    Input shape: (batch, height, width, channels). Output shape: the same.
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.mode = check_choice("RandomFlip", "mode", mode, MODES)
        self.data_format = check_choice("RandomFlip", "data_format", data_format or "channels_last",
                                        ("channels_last",))

    def transform(self, inputs):
        x = ops.convert_to_tensor(inputs)
        height, width = image_size(self.name, x.shape)
        n = x.shape[0]
        flips = self._generator().uniform(size=n) <= 0.5
        rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
        rows, cols = np.broadcast_to(rows.ravel(), (n, height * width)), np.broadcast_to(cols.ravel(),
                                                                                         (n, height * width))
        if self.mode in ("vertical", "horizontal_and_vertical"):
            rows = np.where(flips[:, None], height - 1 - rows, rows)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            cols = np.where(flips[:, None], width - 1 - cols, cols)
        index = (rows * width + cols)[..., None]
        return reshape_images(sample(x, index, np.ones(index.shape)), n, height, width)

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode, "data_format": self.data_format})
        return config
