"""`Masking`: marks timesteps whose features all equal `mask_value` as skipped."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer


class Masking(Layer):
    """Masks timesteps where every feature equals `mask_value`.

    Masked timesteps are set to zero in the output and the output carries a boolean mask
    (batch, timesteps) that downstream layers (RNNs, pooling) use to skip them.

    Args:
        mask_value: float, the padding value (default 0.0).

    Input shape: (batch, timesteps, features). Output shape: same as the input.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def _keep(self, inputs):
        return np.any(np.asarray(inputs.data) != self.mask_value, axis=-1, keepdims=True)

    def call(self, inputs):
        keep = self._keep(inputs)
        outputs = ops.multiply(inputs, Tensor(keep.astype(inputs.dtype)))
        outputs._keras_mask = Tensor(keep[..., 0])
        return outputs

    def compute_mask(self, inputs, mask=None):
        return Tensor(self._keep(inputs)[..., 0])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
