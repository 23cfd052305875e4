"""`RandomContrast`: scales each image's contrast by a random factor while training."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.preprocessing._image import check_choice, image_size
from engine.layers.preprocessing._random import RandomLayer, as_config_value


class RandomContrast(RandomLayer):
    """While training, computes `(x - mean) * c + mean` per image and channel, clipped to
    `value_range`; otherwise returns the input.

    Args:
        factor: `f` in [0, 1] draws c from [1 - f, 1 + f]; a pair (low, high) from
            [1 - low, 1 + high].
        value_range: (min, max) of the pixel values, the bounds of the output (default (0, 255)).
        seed: optional int for the layer's own generator.
        data_format: "channels_last" (the only layout supported; Keras 3 saves it in the config).

    Input shape: (batch, height, width, channels). Output shape: the same.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.data_format = check_choice("RandomContrast", "data_format", data_format or "channels_last",
                                        ("channels_last",))
        pair = factor if isinstance(factor, (list, tuple)) else (factor, factor)
        if len(pair) != 2 or not all(isinstance(f, (int, float)) and not isinstance(f, bool) and 0 <= f <= 1
                                     for f in pair):
            raise ValueError("RandomContrast: factor must be a number in [0, 1] or a pair of them. "
                             f"Received: factor={factor!r}")
        self.factor = as_config_value(factor)
        self._low, self._high = 1.0 - float(pair[0]), 1.0 + float(pair[1])
        if len(value_range) != 2 or not value_range[0] < value_range[1]:
            raise ValueError("RandomContrast: value_range must be (min, max) with min < max. "
                             f"Received: value_range={value_range!r}")
        self.value_range = [float(v) for v in value_range]

    def transform(self, inputs):
        x = ops.convert_to_tensor(inputs)
        image_size(self.name, x.shape)
        factors = self._generator().uniform(self._low, self._high, size=(x.shape[0], 1, 1, 1))
        mean = ops.reduce_mean(x, axis=(1, 2), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(x, mean), factors.astype(x.dtype)), mean)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range), "data_format": self.data_format})
        return config
