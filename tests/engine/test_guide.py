"""Every snippet of the Keras guide (custom layers and models, zh) runs verbatim on our engine.

Each snippet is the guide's code, unchanged, executed after `from engine import tf, keras`;
the printed output is compared with what the guide shows (random values by pattern).
"""

import re
import textwrap

import numpy as np
import pytest

from engine import keras, tf

LINEAR_VARIABLE = '''
class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super(Linear, self).__init__()
        w_init = tf.random_normal_initializer()
        self.w = tf.Variable(
            initial_value=w_init(shape=(input_dim, units), dtype="float32"),
            trainable=True, # 可训练权重
        )
        b_init = tf.zeros_initializer()
        self.b = tf.Variable(
            initial_value=b_init(shape=(units,), dtype="float32"), trainable=True
        )

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b
'''

LINEAR_CALL = '''
x = tf.ones((2, 2))
linear_layer = Linear(4, 2)
y = linear_layer(x)
print(y)
'''

WEIGHTS_ASSERT = '''
assert linear_layer.weights == [linear_layer.w, linear_layer.b]
'''

LINEAR_ADD_WEIGHT = '''
class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super(Linear, self).__init__()
        self.w = self.add_weight(
            shape=(input_dim, units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


x = tf.ones((2, 2))
linear_layer = Linear(4, 2)
y = linear_layer(x)
print(y)
'''

COMPUTE_SUM = '''
class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super(ComputeSum, self).__init__()
        self.total = tf.Variable(initial_value=tf.zeros((input_dim,)), trainable=False)

    def call(self, inputs):
        self.total.assign_add(tf.reduce_sum(inputs, axis=0))
        return self.total


x = tf.ones((2, 2))
my_sum = ComputeSum(2)
y = my_sum(x)
print(y.numpy())
y = my_sum(x)
print(y.numpy())
'''

COMPUTE_SUM_WEIGHTS = '''
print("weights:", len(my_sum.weights))
print("non-trainable weights:", len(my_sum.non_trainable_weights))

# It's not included in the trainable weights:
print("trainable_weights:", my_sum.trainable_weights)
'''

LINEAR_DEFERRED = '''
class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super(Linear, self).__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b
'''

DEFERRED_CALL = '''
# At instantiation, we don't know on what inputs this is going to get called
linear_layer = Linear(32)

# The layer's weights are created dynamically the first time the layer is called
y = linear_layer(x)
'''

MLP_BLOCK = '''
# Let's assume we are reusing the Linear class
# with a `build` method that we defined above.


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super(MLPBlock, self).__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = tf.nn.relu(x)
        x = self.linear_2(x)
        x = tf.nn.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(tf.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
print("weights:", len(mlp.weights))
print("trainable weights:", len(mlp.trainable_weights))
'''

ACTIVITY_REG = '''
# A layer that creates an activity regularization loss
class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super(ActivityRegularizationLayer, self).__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * tf.reduce_sum(inputs))
        return inputs
'''

OUTER_LAYER = '''
class OuterLayer(keras.layers.Layer):
    def __init__(self):
        super(OuterLayer, self).__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


layer = OuterLayer()
assert len(layer.losses) == 0  # No losses yet since the layer has never been called

_ = layer(tf.zeros(1, 1))
assert len(layer.losses) == 1  # We created one loss value

# `layer.losses` gets reset at the start of each __call__
_ = layer(tf.zeros(1, 1))
assert len(layer.losses) == 1  # This is the loss created during the call above
'''

KERNEL_REG = '''
class OuterLayerWithKernelRegularizer(keras.layers.Layer):
    def __init__(self):
        super(OuterLayerWithKernelRegularizer, self).__init__()
        self.dense = keras.layers.Dense(
            32, kernel_regularizer=tf.keras.regularizers.l2(1e-3)
        )

    def call(self, inputs):
        return self.dense(inputs)


layer = OuterLayerWithKernelRegularizer()
_ = layer(tf.zeros((1, 1)))

# This is `1e-3 * sum(layer.dense.kernel ** 2)`,
# created by the `kernel_regularizer` above.
print(layer.losses)
'''

FIT_WITH_ADD_LOSS = '''
import numpy as np

inputs = keras.Input(shape=(3,))
outputs = ActivityRegularizationLayer()(inputs)
model = keras.Model(inputs, outputs)

# If there is a loss passed in `compile`, thee regularization
# losses get added to it
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))

# It's also possible not to pass any loss in `compile`,
# since the model already has a loss to minimize, via the `add_loss`
# call during the forward pass!
model.compile(optimizer="adam")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))
'''

LOGISTIC_ENDPOINT = '''
class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super(LogisticEndpoint, self).__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy()

    def call(self, targets, logits, sample_weights=None):
        # Compute the training-time loss value and add it
        # to the layer using `self.add_loss()`.
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)

        # Log accuracy as a metric and add it
        # to the layer using `self.add_metric()`.
        acc = self.accuracy_fn(targets, logits, sample_weights)
        self.add_metric(acc, name="accuracy")

        # Return the inference-time prediction tensor (for `.predict()`).
        return tf.nn.softmax(logits)
'''

LOGISTIC_METRICS = '''
layer = LogisticEndpoint()

targets = tf.ones((2, 2))
logits = tf.ones((2, 2))
y = layer(targets, logits)

print("layer.metrics:", layer.metrics)
print("current accuracy value:", float(layer.metrics[0].result()))
'''

LOGISTIC_FIT = '''
inputs = keras.Input(shape=(3,), name="inputs")
targets = keras.Input(shape=(10,), name="targets")
logits = keras.layers.Dense(10)(inputs)
predictions = LogisticEndpoint(name="predictions")(logits, targets)

model = keras.Model(inputs=[inputs, targets], outputs=predictions)
model.compile(optimizer="adam")

data = {
    "inputs": np.random.random((3, 3)),
    "targets": np.random.random((3, 10)),
}
model.fit(data)
'''

FLOAT_TENSOR = r"\[?-?\d\.\d+(?:e[-+]\d+)?"
PROGBAR = re.compile(r"^1/1 \[={30}\] - \d+s \d+(?:ms|us)/step - loss: (\d\.\d{4}(?:e[-+]\d+)?)(.*)$")


def run(namespace, *snippets):
    """Execute guide snippets, in order, in one namespace (as a reader pasting them would)."""
    for snippet in snippets:
        exec(compile(textwrap.dedent(snippet), "<guide>", "exec"), namespace)
    return namespace


@pytest.fixture
def ns():
    return {"tf": tf, "keras": keras, "__name__": "guide"}


def test_linear_with_tf_variable_prints_a_2x4_float32_tensor(ns, capsys):
    run(ns, LINEAR_VARIABLE, LINEAR_CALL)
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"tf\.Tensor\(\n\[\[( *-?\d\.\d+(e[-+]\d+)?){4} *\]\n \[( *-?\d\.\d+(e[-+]\d+)?){4} *\]\], "
        r"shape=\(2, 4\), dtype=float32\)\n", out), out
    y = ns["y"]
    layer = ns["linear_layer"]
    np.testing.assert_allclose(y.numpy(), np.ones((2, 2)) @ layer.w.numpy() + layer.b.numpy(), rtol=1e-6)
    # random_normal_initializer() defaults to stddev 0.05: values are small, rows equal
    assert np.all(np.abs(layer.w.numpy()) < 0.5)
    np.testing.assert_array_equal(y.numpy()[0], y.numpy()[1])
    run(ns, WEIGHTS_ASSERT)
    assert ns["linear_layer"].trainable_weights == [layer.w, layer.b]


def test_linear_with_add_weight(ns, capsys):
    run(ns, LINEAR_ADD_WEIGHT)
    out = capsys.readouterr().out
    assert out.startswith("tf.Tensor(\n[[") and out.endswith("]], shape=(2, 4), dtype=float32)\n")
    layer = ns["linear_layer"]
    assert [w.shape for w in layer.weights] == [(2, 4), (4,)]
    np.testing.assert_array_equal(layer.b.numpy(), np.zeros(4))
    run(ns, WEIGHTS_ASSERT)


def test_compute_sum_non_trainable_weight(ns, capsys):
    run(ns, COMPUTE_SUM)
    assert capsys.readouterr().out == "[2. 2.]\n[4. 4.]\n"
    run(ns, COMPUTE_SUM_WEIGHTS)
    assert capsys.readouterr().out == "weights: 1\nnon-trainable weights: 1\ntrainable_weights: []\n"


def test_deferred_build_creates_weights_on_first_call(ns):
    run(ns, LINEAR_DEFERRED, "x = tf.ones((2, 2))")
    layer = ns["Linear"](32)
    assert layer.weights == [] and not layer.built
    run(ns, DEFERRED_CALL)
    layer = ns["linear_layer"]
    assert layer.built
    assert [w.shape for w in layer.weights] == [(2, 32), (32,)]
    assert ns["y"].shape == (2, 32)


def test_mlp_block_tracks_nested_weights(ns, capsys):
    run(ns, LINEAR_DEFERRED, MLP_BLOCK)
    assert capsys.readouterr().out == "weights: 6\ntrainable weights: 6\n"
    mlp = ns["mlp"]
    assert ns["y"].shape == (3, 1)
    assert [w.shape for w in mlp.weights] == [(64, 32), (32,), (32, 32), (32,), (32, 1), (1,)]


def test_add_loss_resets_at_each_outermost_call(ns):
    run(ns, ACTIVITY_REG, OUTER_LAYER)
    layer = ns["layer"]
    assert len(layer.losses) == 1
    assert float(layer.losses[0]) == 0.0
    layer(tf.ones((2, 3)))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 1e-2 * 6, rtol=1e-6)


def test_tf_zeros_with_dtype_enum_is_float32():
    z = tf.zeros(1, 1)
    assert z.shape == (1,) and z.dtype == "float32"


def test_kernel_regularizer_loss_printed_like_tf(ns, capsys):
    run(ns, KERNEL_REG)
    out = capsys.readouterr().out
    assert re.fullmatch(r"\[<tf\.Tensor: shape=\(\), dtype=float32, numpy=\d\.\d+(e-\d+)?>\]\n", out), out
    layer = ns["layer"]
    kernel = layer.dense.kernel.numpy()
    expected = 1e-3 * np.sum(kernel.astype(np.float64) ** 2)
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5)
    assert layer.losses[0].dtype == "float32"


def test_fit_with_and_without_compiled_loss(ns, capsys):
    run(ns, ACTIVITY_REG, FIT_WITH_ADD_LOSS)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines
    for line in lines:
        match = PROGBAR.match(line)
        assert match and match.group(2) == "", line
    model = ns["model"]
    history = model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)
    assert isinstance(history, keras.callbacks.History)
    assert list(history.history) == ["loss"] and len(history.history["loss"]) == 1
    # without a compiled loss, the loss is the activity loss: 0.01 * sum(inputs)
    x = np.random.random((2, 3)).astype("float32")
    history = model.fit(x, None, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"][0], 0.01 * x.sum(), rtol=1e-5)


def test_fit_repr_is_a_history(ns, capsys):
    run(ns, ACTIVITY_REG, FIT_WITH_ADD_LOSS)
    capsys.readouterr()
    run(ns, "result = model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)")
    assert re.fullmatch(r"<keras\.callbacks\.History object at 0x[0-9a-f]+>", repr(ns["result"]))


def test_logistic_endpoint_metrics(ns, capsys):
    run(ns, LOGISTIC_ENDPOINT, LOGISTIC_METRICS)
    lines = capsys.readouterr().out.splitlines()
    layer = ns["layer"]
    assert len(layer.metrics) == 1
    assert isinstance(layer.metrics[0], keras.metrics.BinaryAccuracy)
    assert lines[0].startswith("layer.metrics: [<") and "BinaryAccuracy" in lines[0]
    assert lines[1] == "current accuracy value: 1.0"
    # the loss was added: BCE(from_logits) of ones against ones
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), np.log1p(np.exp(-1.0)), rtol=1e-5)


def test_logistic_endpoint_functional_fit_reports_added_metric(ns, capsys):
    run(ns, LOGISTIC_ENDPOINT, "import numpy as np", LOGISTIC_FIT)
    line = capsys.readouterr().out.strip()
    match = PROGBAR.match(line)
    assert match, line
    assert re.fullmatch(r" - accuracy: \d\.\d{4}(e[-+]\d+)?", match.group(2)), line
    model = ns["model"]
    history = model.fit(ns["data"], epochs=3, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert len(history.history["accuracy"]) == 3
    assert all(0.0 <= a <= 1.0 for a in history.history["accuracy"])
    predictions = model.predict(ns["data"], verbose=0)
    assert predictions.shape == (3, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)


RESNET = '''
class ResNetBlock(keras.layers.Layer):
    def __init__(self, units=16):
        super().__init__()
        self.dense_1 = keras.layers.Dense(units, activation="relu")
        self.dense_2 = keras.layers.Dense(units)

    def call(self, inputs):
        x = self.dense_1(inputs)
        x = self.dense_2(x)
        return tf.nn.relu(x + inputs)


class ResNet(tf.keras.Model):
    def __init__(self, num_classes=3):
        super(ResNet, self).__init__()
        self.stem = keras.layers.Dense(16)
        self.block_1 = ResNetBlock()
        self.block_2 = ResNetBlock()
        self.classifier = keras.layers.Dense(num_classes)

    def call(self, inputs):
        x = self.stem(inputs)
        x = self.block_1(x)
        x = self.block_2(x)
        return self.classifier(x)
'''


def test_subclassed_resnet_style_model_fits(ns):
    run(ns, RESNET)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0).astype("int64")
    resnet = ns["ResNet"]()
    resnet.compile(optimizer=keras.optimizers.Adam(1e-2),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = resnet.fit(x, y, batch_size=16, epochs=15, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.6 * losses[0]
    assert history.history["accuracy"][-1] > 0.8
    assert len(resnet.layers) == 4
    assert len(resnet.weights) == 2 + 4 + 4 + 2


def test_tf_namespace_basics():
    assert tf.keras is keras
    t = tf.ones((2,)) * 3
    np.testing.assert_array_equal(np.asarray(t), [3.0, 3.0])
    assert np.asarray(t).dtype == np.float32
    v = tf.Variable(1.0)
    v.assign(2.0)
    v.assign_add(1.5)
    v.assign_sub(0.5)
    assert v.numpy() == 3.0 and v.dtype == "float32"
    assert float(v * 2) == 6.0 and float(v + v) == 6.0 and float(1 - v) == -2.0 and float(v / 2) == 1.5
    assert float(v ** 2) == 9.0 and float(-v) == -3.0
    assert str(v + 1) == "tf.Tensor(4.0, shape=(), dtype=float32)"
    with pytest.raises(ValueError):
        v.assign(np.ones(3))


def test_subclassed_resnet_saves_and_reloads(ns, tmp_path):
    run(ns, RESNET)
    resnet = ns["ResNet"]()
    x = np.random.default_rng(0).normal(size=(8, 8)).astype("float32")
    y = np.arange(8) % 3
    resnet.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    resnet.fit(x, y, epochs=1, verbose=0)
    filepath = str(tmp_path / "resnet.keras")
    ns.update(resnet=resnet, filepath=filepath)
    run(ns, "resnet.save(filepath)")
    restored = keras.models.load_model(filepath, custom_objects={"ResNet": ns["ResNet"],
                                                                 "ResNetBlock": ns["ResNetBlock"]})
    np.testing.assert_allclose(restored.predict(x, verbose=0), resnet.predict(x, verbose=0), rtol=1e-6)
    weights_path = str(tmp_path / "resnet.weights.h5")
    resnet.save_weights(weights_path)
    clone = ns["ResNet"]()
    clone(x[:1])
    clone.load_weights(weights_path)
    np.testing.assert_allclose(clone.predict(x, verbose=0), resnet.predict(x, verbose=0), rtol=1e-6)
