"""Base of the augmentation layers that move pixels with an affine transform."""

from __future__ import annotations

from engine import ops
from engine.layers.preprocessing._image import (
    INTERPOLATIONS, affine_table, check_choice, image_size, reshape_images, sample,
)
from engine.layers.preprocessing._random import RandomLayer


LAYER_FILL_MODES = ("reflect", "wrap", "constant", "nearest")  # what Keras' layers accept


class AffineRandomLayer(RandomLayer):
    """Draws one affine transform per image (`matrices`) and resamples the image with it.

    Args (shared): fill_mode ("reflect" default, "constant", "nearest" or "wrap"),
    interpolation ("bilinear" or "nearest"), fill_value (for "constant"), seed.
    """

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        name = type(self).__name__
        self.fill_mode = check_choice(name, "fill_mode", fill_mode, LAYER_FILL_MODES)
        self.interpolation = check_choice(name, "interpolation", interpolation, INTERPOLATIONS)
        self.fill_value = float(fill_value)
        self.data_format = check_choice(name, "data_format", data_format or "channels_last", ("channels_last",))

    def matrices(self, n, height, width):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def transform(self, inputs):
        x = ops.convert_to_tensor(inputs)
        height, width = image_size(self.name, x.shape)
        n = x.shape[0]
        index, weight, constant = affine_table(self.matrices(n, height, width), height, width, self.interpolation,
                                               self.fill_mode, self.fill_value)
        return reshape_images(sample(x, index, weight, constant), n, height, width)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "data_format": self.data_format})
        return config
