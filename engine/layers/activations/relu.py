"""`ReLU`: rectified linear unit with optional cap, leak and threshold."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer


def _non_negative(cls_name, arg, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or value < 0:
        raise ValueError(f"{cls_name}: {arg} must be a non-negative number. Received: {arg}={value!r}")
    return float(value)


def general_relu(inputs, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3's relu: x above `threshold` (capped at `max_value`), negative_slope * (x - threshold) below."""
    if threshold == 0 and negative_slope == 0:
        return ops.nn.capped_relu(inputs, max_value)
    if threshold != 0:
        above = Tensor((np.asarray(inputs.data) > threshold).astype(inputs.dtype))
        positive = ops.multiply(inputs, above)
    else:
        positive = ops.relu(inputs)
    if max_value is not None:
        positive = ops.clip(positive, 0.0, max_value)
    if negative_slope != 0:
        negative = ops.relu(ops.subtract(threshold, inputs)) if threshold != 0 else ops.relu(ops.negative(inputs))
        positive = ops.subtract(positive, ops.multiply(negative, negative_slope))
    return positive


class ReLU(Layer):
    """f(x) = min(x, max_value) for x >= threshold, negative_slope * (x - threshold) otherwise.

    Args:
        max_value: optional non-negative cap of the output (None: no cap).
        negative_slope: non-negative slope below the threshold (default 0).
        threshold: the value below which the leak applies (default 0).

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)):
            raise ValueError(f"ReLU: threshold must be a number. Received: threshold={threshold!r}")
        self.threshold = float(threshold)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return general_relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
