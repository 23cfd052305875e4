"""`CenterCrop`: cuts the central `height` x `width` window out of each image."""

from __future__ import annotations

from engine import ops
from engine.layers.layer import Layer
from engine.layers.preprocessing._image import check_choice, image_size
from engine.layers.preprocessing.resizing import _positive_int, resize_images


class CenterCrop(Layer):
    """Crops the centre of images (batch, height, width, channels) to (`height`, `width`).

    An image smaller than the target is instead resized to it after cropping to the target's
    aspect ratio (as Keras does), so the output size is always (`height`, `width`).

    Args:
        height, width: the output size in pixels.
        data_format: "channels_last" (the only layout supported here) or None.

    Applies in training and inference. Differentiable with respect to the input.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _positive_int("CenterCrop", "height", height)
        self.width = _positive_int("CenterCrop", "width", width)
        self.data_format = check_choice("CenterCrop", "data_format", data_format or "channels_last",
                                        ("channels_last",))

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        in_h, in_w = image_size(self.name, x.shape)
        if in_h < self.height or in_w < self.width:
            return resize_images(x, self.name, self.height, self.width, "bilinear", crop_to_aspect_ratio=True)
        top, left = (in_h - self.height) // 2, (in_w - self.width) // 2
        return ops.getitem(x, (slice(None), slice(top, top + self.height), slice(left, left + self.width)))

    def compute_output_shape(self, input_shape):
        image_size(self.name, input_shape)
        return (input_shape[0], self.height, self.width, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "data_format": self.data_format})
        return config
