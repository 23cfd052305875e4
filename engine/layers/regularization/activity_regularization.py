"""`ActivityRegularization`: adds an L1/L2 penalty on its input to the model's losses."""

from __future__ import annotations

from engine import regularizers
from engine.layers.layer import Layer


class ActivityRegularization(Layer):
    """Passes the input through and adds (l1 * sum|x| + l2 * sum x^2) / batch_size via `add_loss`.

    Args:
        l1, l2: non-negative penalty factors (default 0.0).

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        for arg, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"ActivityRegularization: {arg} must be a non-negative number. Received: {arg}={value!r}")
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
