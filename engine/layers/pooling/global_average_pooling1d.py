"""`GlobalAveragePooling1D`: mean over all 1 spatial axes."""

from __future__ import annotations

from engine import ops
from engine.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean of each channel over the whole 1-D extent of the input.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes as size 1 (default False).

    A mask of shape (batch, steps) (e.g. from Embedding(mask_zero=True)) restricts the
    mean to the unmasked steps; the output carries no mask.

    Input shape: (batch, steps, channels) (channels_last).
    Output shape: (batch, channels), or with keepdims (batch, 1, channels).
    """

    rank = 1
    mode = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        axis = self._spatial_axes()[0]
        weights = ops.cast(mask, inputs.dtype)
        weights = ops.expand_dims(weights, 2 if self.data_format == "channels_last" else 1)
        total = ops.reduce_sum(ops.multiply(inputs, weights), axis=axis, keepdims=self.keepdims)
        count = ops.reduce_sum(weights, axis=axis, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None
