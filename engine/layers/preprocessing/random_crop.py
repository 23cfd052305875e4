"""`RandomCrop`: cuts a random `height` x `width` window out of the images while training."""

from __future__ import annotations

from engine import ops
from engine.layers.preprocessing._image import check_choice, image_size
from engine.layers.preprocessing._random import RandomLayer
from engine.layers.preprocessing.resizing import _positive_int, resize_images


class RandomCrop(RandomLayer):
    """While training, crops every image of the batch at one random offset to (`height`,
    `width`). An image not larger than the target in both sizes is, as in Keras, cut from the
    start of a centred box of the target's aspect ratio (at most `height` x `width`, clipped
    by the image) and that window resized (bilinear) to the target.

    At inference (predict, evaluate, `training=False`) the input passes through unchanged, as
    in Keras 3: the layers after it then see the full image size, so follow it with layers that
    take any size (convolutions, global pooling) or use CenterCrop for a fixed size.

    Args:
        height, width: the crop size in pixels.
        seed: optional int for the layer's own generator.
        data_format: "channels_last" (the only layout supported; Keras 3 saves it in the config).

    Input shape: (batch, height, width, channels). Output shape: (batch, `height`, `width`,
    channels) in training.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height = _positive_int("RandomCrop", "height", height)
        self.width = _positive_int("RandomCrop", "width", width)
        self.data_format = check_choice("RandomCrop", "data_format", data_format or "channels_last",
                                        ("channels_last",))

    def transform(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        in_h, in_w = image_size(self.name, x.shape)
        if in_h > self.height and in_w > self.width:
            rng = self._generator()
            top = int(rng.integers(0, in_h - self.height + 1))
            left = int(rng.integers(0, in_w - self.width + 1))
        else:   # Keras' start of a centred box of the target's aspect ratio
            box_h = max(min(in_h, int(in_w * self.height / self.width)), 1)
            box_w = max(min(in_w, int(in_h * self.width / self.height)), 1)
            top, left = (in_h - box_h) // 2, (in_w - box_w) // 2
        x = ops.getitem(x, (slice(None), slice(top, top + self.height), slice(left, left + self.width)))
        if tuple(x.shape[1:3]) != (self.height, self.width):
            x = resize_images(x, self.name, self.height, self.width, "bilinear")
        return x

    def compute_output_shape(self, input_shape):
        image_size(self.name, input_shape)
        return (input_shape[0], self.height, self.width, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "data_format": self.data_format})
        return config
