"""`UnitNormalization`: scales each sample to unit L2 norm over its feature axes."""

from __future__ import annotations

from engine import ops
from engine.layers.layer import Layer
from engine.layers.normalization._axes import check_axis_argument, normalize_axes

# Keras divides by at most 1 / epsilon with epsilon = 1e-12: a zero vector stays zero.
_MIN_SQUARE_SUM = 1e-24


class UnitNormalization(Layer):
    """Divides every sample by its L2 norm over `axis`, so the result has norm 1 there.

    Computes `x * rsqrt(max(sum(x**2, axis), 1e-24))`, which equals Keras'
    `x * min(rsqrt(sum(x**2)), 1e12)` and keeps a zero vector zero with a finite gradient.

    Args:
        axis: int or list of ints, the axes whose norm is taken (default -1, the features).

    Input shape: any. Output shape: same as the input. No weights.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = check_axis_argument("UnitNormalization", axis)
        self.supports_masking = True

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        axes = tuple(normalize_axes(self.name, self.axis, len(x.shape)))
        square_sum = ops.reduce_sum(ops.square(x), axis=axes, keepdims=True)
        return ops.multiply(x, ops.rsqrt(ops.maximum(square_sum, _MIN_SQUARE_SUM)))

    def compute_output_shape(self, input_shape):
        normalize_axes(self.name, self.axis, len(input_shape))
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
