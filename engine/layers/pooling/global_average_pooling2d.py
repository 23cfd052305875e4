"""`GlobalAveragePooling2D`: mean over all 2 spatial axes."""

from __future__ import annotations

from engine.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean of each channel over the whole 2-D extent of the input.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes as size 1 (default False).

    Input shape: (batch, rows, cols, channels) (channels_last).
    Output shape: (batch, channels), or with keepdims (batch, 1, 1, channels).
    """

    rank = 2
    mode = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
