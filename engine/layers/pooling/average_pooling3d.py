"""`AveragePooling3D`: mean over sliding 3-D windows."""

from __future__ import annotations

from engine.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Mean of each channel over 3-D windows of size `pool_size`. "same" padding averages only the real cells of edge windows.

    Args:
        pool_size: int or tuple of 3, the window size.
        strides: int or tuple of 3, the step between windows (None means pool_size).
        padding: "valid" (windows inside the input) or "same" (ceil(size / stride) outputs).
        data_format: "channels_last" (default) or "channels_first".

    Input shape: (batch, dim1, dim2, dim3, channels) (channels_last).
    Output shape: (batch, pooled_dim1, pooled_dim2, pooled_dim3, channels).
    """

    rank = 3
    mode = "average"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, name=name, **kwargs)
