"""`RandomBrightness`: shifts each image's brightness by a random amount while training."""

from __future__ import annotations

from engine import ops
from engine.layers.preprocessing._image import check_choice, image_size
from engine.layers.preprocessing._random import RandomLayer, as_config_value, factor_range


class RandomBrightness(RandomLayer):
    """While training, adds `d * (max - min)` to every pixel of an image, `d` drawn per image
    from the factor range, and clips to `value_range`; otherwise returns the input unchanged.

    Args:
        factor: a number `f` in [-1, 1] draws d from [-|f|, |f|]; a pair (low, high) within
            [-1, 1] draws it from [low, high] (e.g. (0, 0.2) only brightens).
        value_range: (min, max) of the pixel values, the output's bounds (default (0, 255)).
        seed: optional int for the layer's own generator.
        data_format: "channels_last" (the only layout supported; Keras 3 saves it in the config).

    Input shape: (batch, height, width, channels). Output shape: the same.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.data_format = check_choice("RandomBrightness", "data_format", data_format or "channels_last",
                                        ("channels_last",))
        self._low, self._high = factor_range("RandomBrightness", "factor", factor, bound=1.0)
        self.factor = as_config_value(factor)
        if not isinstance(value_range, (list, tuple)) or len(value_range) != 2 or \
                not float(value_range[0]) < float(value_range[1]):
            raise ValueError("RandomBrightness: value_range must be (min, max) with min < max. "
                             f"Received: value_range={value_range!r}")
        self.value_range = [float(v) for v in value_range]

    def transform(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        image_size(self.name, x.shape)
        low, high = self.value_range
        deltas = self._generator().uniform(self._low, self._high, size=(x.shape[0], 1, 1, 1)) * (high - low)
        return ops.clip(ops.add(x, deltas.astype(x.dtype)), low, high)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range), "data_format": self.data_format})
        return config
