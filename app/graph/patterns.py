"""The guide's layer patterns as ready-made nodes, and the Custom Layer template.

`ActivityRegularizationLayer` adds `rate * sum(inputs)` with `add_loss` and passes its input
through; `LogisticEndpoint` takes `targets` and `logits`, adds a binary cross-entropy loss
with `add_loss`, tracks `accuracy` with `add_metric` and returns `softmax(logits)`.
"""

from __future__ import annotations

from engine import keras, ops


class ActivityRegularizationLayer(keras.layers.Layer):
    """Adds `rate * sum(inputs)` to the model's losses (add_loss) and returns its input."""

    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.reduce_sum(inputs))
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["rate"] = self.rate
        return config


class LogisticEndpoint(keras.layers.Layer):
    """Loss endpoint: binary cross-entropy (from logits) via add_loss and an `accuracy`
    metric via add_metric; returns softmax(logits) for predict(). Inputs: targets, logits."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy()

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        acc = self.accuracy_fn(targets, logits, sample_weights)
        self.add_metric(acc, name="accuracy")
        return ops.softmax(logits)

    def compute_output_shape(self, targets_shape, logits_shape=None):
        return tuple(logits_shape if logits_shape is not None else targets_shape)


CUSTOM_TEMPLATE = '''class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b
'''


def _register_patterns() -> None:
    """Let load_model find the pattern classes in files saved from compiled documents."""
    from engine.saving.registry import register

    for cls in (ActivityRegularizationLayer, LogisticEndpoint):
        register(cls, package="Strata", name=cls.__name__)


_register_patterns()
