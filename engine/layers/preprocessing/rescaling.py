"""`Rescaling`: multiplies by `scale` and adds `offset`, e.g. pixels in [0, 255] to [0, 1]."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.layer import Layer


def _number_or_list(name, value):
    array = np.asarray(value, dtype=np.float64) if not isinstance(value, bool) else None
    if array is None or array.ndim > 1 or not np.all(np.isfinite(array)):
        raise ValueError(f"Rescaling: {name} must be a number or a list of numbers (one per channel). "
                         f"Received: {name}={value!r}")
    return float(array) if array.ndim == 0 else [float(v) for v in array]


class Rescaling(Layer):
    """Computes `inputs * scale + offset`, in training and inference alike.

    Args:
        scale: number, or a list with one number per channel (last axis).
        offset: number or per-channel list, added after scaling (default 0).

    Integer inputs give float outputs (the layer's dtype). Input shape: any. Output shape: same.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _number_or_list("scale", scale)
        self.offset = _number_or_list("offset", offset)
        self.supports_masking = True

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        scale = np.asarray(self.scale, dtype=self.compute_dtype)
        offset = np.asarray(self.offset, dtype=self.compute_dtype)
        return ops.add(ops.multiply(x, scale), offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Also takes Keras' serialized arrays (`{"class_name": "__numpy__", ...}`) as scale/offset."""
        from engine.saving.serialization import deserialize_keras_object

        config = dict(config)
        for key in ("scale", "offset"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)
