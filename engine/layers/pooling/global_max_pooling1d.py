"""`GlobalMaxPooling1D`: maximum over all 1 spatial axes."""

from __future__ import annotations

from engine.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Maximum of each channel over the whole 1-D extent of the input.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes as size 1 (default False).

    Input shape: (batch, steps, channels) (channels_last).
    Output shape: (batch, channels), or with keepdims (batch, 1, channels).
    """

    rank = 1
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
