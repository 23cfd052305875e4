"""`SpatialDropout1D/2D/3D`: drop whole feature maps instead of single values."""

from __future__ import annotations

from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.layers.regularization._noise import apply_dropout, check_rate, layer_generator

_DATA_FORMATS = ("channels_last", "channels_first")


class _SpatialDropout(Layer):
    rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(type(self).__name__, rate)
        data_format = data_format or "channels_last"
        if data_format not in _DATA_FORMATS:
            raise ValueError(f"{type(self).__name__}: data_format must be one of {_DATA_FORMATS}. "
                             f"Received: {data_format!r}")
        self.data_format = data_format
        self.seed = seed
        self._rng = layer_generator(seed)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.supports_masking = True

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + (1,) * self.rank
        return (shape[0],) + (1,) * self.rank + (shape[-1],)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return apply_dropout(inputs, self.rate, self._noise_shape(inputs.shape), self._rng)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of a sequence: the same channels are zeroed at every step.

    Args:
        rate: float in [0, 1). seed: optional int.

    Input shape: (batch, steps, channels). Output shape: same.
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole 2-D feature maps.

    Args:
        rate: float in [0, 1). data_format: "channels_last" (default) or "channels_first".
        seed: optional int.

    Input shape: (batch, rows, cols, channels) (or channels first). Output shape: same.
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole 3-D feature maps.

    Args:
        rate: float in [0, 1). data_format: "channels_last" (default) or "channels_first".
        seed: optional int.

    Input shape: (batch, d1, d2, d3, channels) (or channels first). Output shape: same.
    """

    rank = 3
