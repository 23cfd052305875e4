"""`LayerScale`: multiplies each channel by a learned factor (ConvNeXt's residual branch scale)."""

from __future__ import annotations

from engine import initializers, ops
from engine.layers.layer import Layer


class LayerScale(Layer):
    """Multiplies the last axis by a trainable vector `gamma` started at `init_values`.

    Keras registers this class for its ConvNeXt applications (keras.src.applications.convnext);
    it loads here under the same name.

    Args:
        init_values: float, the starting value of every entry of gamma (e.g. 1e-6).
        projection_dim: int, the size of the last axis (and of gamma).

    Input shape: (..., projection_dim). Output shape: same. Weights: gamma (projection_dim,).
    """

    KERAS_MODULE = "keras.src.applications.convnext"  # where Keras finds the class when it loads our files

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        if isinstance(projection_dim, bool) or not isinstance(projection_dim, int) or projection_dim <= 0:
            raise ValueError(f"LayerScale: projection_dim must be a positive int. Received: {projection_dim!r}")
        self.init_values = float(init_values)
        self.projection_dim = projection_dim
        self.gamma = None

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.projection_dim:
            raise ValueError(f'Layer "{self.name}": the last axis of input shape {tuple(input_shape)} must be '
                             f"projection_dim={self.projection_dim}.")
        self.gamma = self.add_weight(name="gamma", shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values), trainable=True)
        self.built = True

    def call(self, inputs):
        return ops.multiply(inputs, ops.cast(self.gamma, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config
