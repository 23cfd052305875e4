"""`MaxPooling1D`: maximum over sliding 1-D windows."""

from __future__ import annotations

from engine.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Maximum of each channel over 1-D windows of size `pool_size`.

    Args:
        pool_size: int or tuple of 1, the window size.
        strides: int or tuple of 1, the step between windows (None means pool_size).
        padding: "valid" (windows inside the input) or "same" (ceil(size / stride) outputs).
        data_format: "channels_last" (default) or "channels_first".

    Input shape: (batch, steps, channels) (channels_last).
    Output shape: (batch, pooled_steps, channels).
    """

    rank = 1
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, name=name, **kwargs)
