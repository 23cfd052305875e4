"""`.keras` files move both ways between real Keras 3 (torch backend) and our engine."""

import numpy as np
import keras as real_keras

from engine import keras
from engine.saving.weights_store import _optimizer_values

RNG = np.random.default_rng(0)
X4 = RNG.normal(size=(5, 4)).astype("float32")
X3 = RNG.normal(size=(5, 3)).astype("float32")


def assert_close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def _real_two_in_two_out():
    L = real_keras.layers
    a = real_keras.Input((4,), name="a")
    b = real_keras.Input((3,), name="b")
    shared = L.Dense(5, activation="tanh", name="shared")
    ha = shared(L.Dense(5, name="pre_a")(a))
    hb = shared(L.Dense(5, activation="relu", name="pre_b")(b))
    return real_keras.Model([a, b], [L.Dense(2, name="out_a")(ha), L.Dense(1, name="out_b")(hb)])


def _our_two_in_two_out():
    L = keras.layers
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    shared = L.Dense(5, activation="tanh", name="shared")
    ha = shared(L.Dense(5, name="pre_a")(a))
    hb = shared(L.Dense(5, activation="relu", name="pre_b")(b))
    return keras.Model([a, b], [L.Dense(2, name="out_a")(ha), L.Dense(1, name="out_b")(hb)])


# -- real Keras -> ours ----------------------------------------------------------------------------
def test_real_keras_sequential_loads_and_predicts_the_same(tmp_path):
    model = real_keras.Sequential([real_keras.Input((4,)), real_keras.layers.Dense(6, activation="relu"),
                                   real_keras.layers.Dense(2, activation="softmax")])
    path = str(tmp_path / "seq.keras")
    model.save(path)
    ours = keras.models.load_model(path)
    assert type(ours).__name__ == "Sequential"
    assert [layer.name for layer in ours.layers] == [layer.name for layer in model.layers]
    assert_close(ours.predict(X4, verbose=0), model.predict(X4, verbose=0))


def test_real_keras_single_dense_functional_loads(tmp_path):
    inputs = real_keras.Input((4,), name="x")
    model = real_keras.Model(inputs, real_keras.layers.Dense(3, name="d")(inputs))
    path = str(tmp_path / "dense.keras")
    model.save(path)
    ours = keras.models.load_model(path)
    assert_close(ours.predict(X4, verbose=0), model.predict(X4, verbose=0))
    assert_close(ours.get_layer("d").kernel.numpy(), model.get_layer("d").kernel.numpy())


def test_real_keras_two_inputs_two_outputs_shared_layer_with_optimizer_state(tmp_path):
    model = _real_two_in_two_out()
    model.compile(optimizer=real_keras.optimizers.Adam(0.01), loss=["mse", "mae"])
    targets = [RNG.normal(size=(5, 2)).astype("float32"), RNG.normal(size=(5, 1)).astype("float32")]
    model.fit([X4, X3], targets, epochs=2, batch_size=5, verbose=0)
    path = str(tmp_path / "two.keras")
    model.save(path)

    ours = keras.models.load_model(path)
    for mine, theirs in zip(ours.predict([X4, X3], verbose=0), model.predict([X4, X3], verbose=0)):
        assert_close(mine, theirs)
    assert ours.compiled
    assert int(ours.optimizer.iterations.numpy()) == 2
    assert abs(ours.optimizer.learning_rate - 0.01) < 1e-7
    theirs_state = [np.asarray(v.numpy()) for v in model.optimizer.variables]
    mine_state = _optimizer_values(ours.optimizer, ours)
    assert len(mine_state) == len(theirs_state)
    for mine, theirs in zip(mine_state[2:], theirs_state[2:]):
        assert_close(mine, theirs)
    # The loaded model keeps training.
    ours.fit([X4, X3], targets, epochs=1, batch_size=5, verbose=0)
    assert int(ours.optimizer.iterations.numpy()) == 3


def test_real_keras_dict_inputs_and_nested_model_load(tmp_path):
    L = real_keras.layers
    inner_in = real_keras.Input((5,))
    inner = real_keras.Model(inner_in, L.Dense(3, activation="relu")(inner_in), name="inner")
    block = real_keras.Sequential([real_keras.Input((4,)), L.Dense(5)], name="block")
    a = real_keras.Input((4,), name="a")
    b = real_keras.Input((3,), name="b")
    merged = inner(block(a))
    out = L.Dense(2, name="head")(merged)
    out_b = L.Dense(2, name="head_b")(b)
    model = real_keras.Model({"a": a, "b": b}, [out, out_b])
    path = str(tmp_path / "nested.keras")
    model.save(path)
    ours = keras.models.load_model(path)
    data = {"a": X4, "b": X3}
    for mine, theirs in zip(ours.predict(data, verbose=0), model.predict(data, verbose=0)):
        assert_close(mine, theirs)


# -- ours -> real Keras ----------------------------------------------------------------------------
def test_our_sequential_loads_in_real_keras(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(2)])
    path = str(tmp_path / "seq.keras")
    model.save(path)
    theirs = real_keras.saving.load_model(path)
    assert_close(theirs.predict(X4, verbose=0), model.predict(X4, verbose=0))


def test_our_two_inputs_two_outputs_loads_in_real_keras_with_optimizer_state(tmp_path):
    model = _our_two_in_two_out()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "mae"])
    targets = [RNG.normal(size=(5, 2)).astype("float32"), RNG.normal(size=(5, 1)).astype("float32")]
    model.fit([X4, X3], targets, epochs=2, batch_size=5, verbose=0)
    path = str(tmp_path / "two.keras")
    model.save(path)

    theirs = real_keras.saving.load_model(path)
    for mine, other in zip(model.predict([X4, X3], verbose=0), theirs.predict([X4, X3], verbose=0)):
        assert_close(other, mine)
    assert int(theirs.optimizer.iterations.numpy()) == 2
    theirs_state = [np.asarray(v.numpy()) for v in theirs.optimizer.variables]
    mine_state = _optimizer_values(model.optimizer, model)
    assert len(theirs_state) == len(mine_state)
    for mine, other in zip(mine_state, theirs_state):
        assert_close(other, mine)


def test_our_nested_and_dict_input_model_loads_in_real_keras(tmp_path):
    L = keras.layers
    inner_in = keras.Input((5,))
    inner = keras.Model(inner_in, L.Dense(3, activation="relu")(inner_in), name="inner")
    block = keras.Sequential([keras.Input((4,)), L.Dense(5)], name="block")
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    out = L.Dense(2, name="head")(inner(block(a)))
    model = keras.Model({"a": a, "b": b}, [out, L.Dense(2, name="head_b")(b)])
    path = str(tmp_path / "nested.keras")
    model.save(path)
    theirs = real_keras.saving.load_model(path)
    data = {"a": X4, "b": X3}
    for mine, other in zip(model.predict(data, verbose=0), theirs.predict(data, verbose=0)):
        assert_close(other, mine)


def test_real_keras_reads_our_weights_file(tmp_path):
    ours = _our_two_in_two_out()
    path = str(tmp_path / "m.weights.h5")
    ours.save_weights(path)
    theirs = _real_two_in_two_out()
    theirs.load_weights(path)
    for mine, other in zip(ours.predict([X4, X3], verbose=0), theirs.predict([X4, X3], verbose=0)):
        assert_close(other, mine)


# -- the guide's custom layers, defined once for each framework -----------------------------------------
def _guide_classes(k, ops):
    class Linear(k.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config["units"] = self.units
            return config

    class MLPBlock(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.linear_1 = Linear(8)
            self.stack = [Linear(8), Linear(8)]
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = ops.relu(self.linear_1(inputs))
            for layer in self.stack:
                x = ops.relu(layer(x))
            return self.linear_3(x)

    return Linear, MLPBlock


def _guide_model(k, ops):
    Linear, MLPBlock = _guide_classes(k, ops)
    inputs = k.Input((4,))
    return k.Model(inputs, MLPBlock(name="mlp")(inputs)), {"Linear": Linear, "MLPBlock": MLPBlock}


def test_guide_custom_layers_move_both_ways(tmp_path):
    theirs, their_classes = _guide_model(real_keras, real_keras.ops)
    path = str(tmp_path / "guide.keras")
    theirs.save(path)
    ours, our_classes = _guide_model(keras, keras.ops)
    loaded = keras.models.load_model(path, custom_objects=our_classes)
    assert_close(loaded.predict(X4, verbose=0), theirs.predict(X4, verbose=0))

    ours.load_weights(path)  # nested attribute and list paths (mlp/linear_1, mlp/stack/linear_1) line up
    assert_close(ours.predict(X4, verbose=0), theirs.predict(X4, verbose=0))

    mine, _ = _guide_model(keras, keras.ops)
    my_path = str(tmp_path / "mine.keras")
    mine.save(my_path)
    back = real_keras.saving.load_model(my_path, custom_objects=their_classes)
    assert_close(back.predict(X4, verbose=0), mine.predict(X4, verbose=0))


def test_compile_config_with_loss_and_metric_objects_loads_in_real_keras(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy()])
    path = str(tmp_path / "compiled.keras")
    model.save(path)
    theirs = real_keras.saving.load_model(path)
    assert type(theirs.optimizer).__name__ == "SGD"
    assert abs(float(theirs.optimizer.learning_rate) - 0.05) < 1e-7
    assert type(theirs.loss).__name__ == "BinaryCrossentropy"
    ours = keras.models.load_model(path)
    assert type(ours.optimizer).__name__ == "SGD" and abs(ours.optimizer.learning_rate - 0.05) < 1e-7
    assert [type(m).__name__ for m in ours._compiled_metrics.metrics] == ["BinaryAccuracy"]
    y = (X4[:, :1] > 0).astype("float32")
    assert_close(np.asarray(theirs.evaluate(X4, y, verbose=0)), np.asarray(ours.evaluate(X4, y, verbose=0)))
