"""`GlobalAveragePooling3D`: mean over all 3 spatial axes."""

from __future__ import annotations

from engine.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean of each channel over the whole 3-D extent of the input.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes as size 1 (default False).

    Input shape: (batch, dim1, dim2, dim3, channels) (channels_last).
    Output shape: (batch, channels), or with keepdims (batch, 1, 1, 1, channels).
    """

    rank = 3
    mode = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
