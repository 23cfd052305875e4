"""`Resizing`: resizes a batch of images to a fixed height and width."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.layer import Layer
from engine.layers.preprocessing._image import (
    INTERPOLATIONS, check_choice, image_size, outer_table, reshape_images, resize_table, sample,
)


def _positive_int(cls_name, argument, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{cls_name}: {argument} must be a positive int. Received: {argument}={value!r}")
    return int(value)


def _axis_table(in_size, out_size, interpolation, start, box):
    """Table along one axis for resizing the box [start, start + box) (which may stick out of
    the image when padding) to `out_size`; returns (indices, weights, valid)."""
    index, weight = resize_table(box, out_size, interpolation)
    index = index + start
    valid = (index >= 0) & (index < in_size)
    return (np.clip(index, 0, in_size - 1), weight), valid


def resize_images(images, layer_name, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                  pad_to_aspect_ratio=False, fill_value=0.0):
    """`images` (N, H, W, C) resized to (N, height, width, C) as Keras' Resizing does."""
    x = ops.convert_to_tensor(images)
    in_h, in_w = image_size(layer_name, x.shape)
    top = left = 0
    box_h, box_w = in_h, in_w
    if crop_to_aspect_ratio:
        box_h = max(min(in_h, int(float(in_w * height) / width)), 1)
        box_w = max(min(in_w, int(float(in_h * width) / height)), 1)
        top, left = int(float(in_h - box_h) / 2), int(float(in_w - box_w) / 2)
    elif pad_to_aspect_ratio:
        box_h = max(in_h, int(float(in_w * height) / width))
        box_w = max(in_w, int(float(in_h * width) / height))
        top, left = -int(float(box_h - in_h) / 2), -int(float(box_w - in_w) / 2)
    rows, valid_rows = _axis_table(in_h, height, interpolation, top, box_h)
    cols, valid_cols = _axis_table(in_w, width, interpolation, left, box_w)
    if pad_to_aspect_ratio:
        index, weight, constant = outer_table(rows, cols, in_w, valid_rows, valid_cols, fill_value)
    else:
        index, weight, constant = outer_table(rows, cols, in_w)
    return reshape_images(sample(x, index, weight, constant), x.shape[0], height, width)


class Resizing(Layer):
    """Resizes images (batch, height, width, channels) to (batch, `height`, `width`, channels).

    Args:
        height, width: the output size in pixels.
        interpolation: "bilinear" (default) or "nearest", with half-pixel centres as Keras on torch.
        crop_to_aspect_ratio: first crop the largest centred box with the output's aspect ratio,
            so that nothing is distorted.
        pad_to_aspect_ratio: instead pad the image (with `fill_value`) to that aspect ratio.
        fill_value: the padding value.
        data_format: "channels_last" (the only layout supported here) or None.

    Applies in training and inference. Differentiable with respect to the input.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _positive_int("Resizing", "height", height)
        self.width = _positive_int("Resizing", "width", width)
        self.interpolation = check_choice("Resizing", "interpolation", interpolation, INTERPOLATIONS)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True.")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice("Resizing", "fill_mode", fill_mode, ("constant",))
        self.fill_value = float(fill_value)
        if antialias:
            raise ValueError("Resizing: antialias=True is not supported by this engine.")
        self.antialias = False
        self.data_format = check_choice("Resizing", "data_format", data_format or "channels_last", ("channels_last",))

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        return resize_images(x, self.name, self.height, self.width, self.interpolation, self.crop_to_aspect_ratio,
                             self.pad_to_aspect_ratio, self.fill_value)

    def compute_output_shape(self, input_shape):
        image_size(self.name, input_shape)
        return (input_shape[0], self.height, self.width, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": self.antialias,
            "data_format": self.data_format,
        })
        return config
