"""The Keras 3 Layer contract: building, tracking, weights order, training flag, losses,
metrics, config, shapes, names and error messages."""

import numpy as np
import pytest

from engine import keras, ops, tf
from engine.layers.naming import clear_session


class Scale(keras.layers.Layer):
    """Weights created in build from the input shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.build_shapes = []

    def build(self, input_shape):
        self.build_shapes.append(tuple(input_shape))
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
        self.counter = self.add_weight(shape=(), initializer="zeros", trainable=False, name="counter")

    def call(self, inputs):
        return inputs * self.scale


def test_build_runs_once_on_first_call_with_the_input_shape():
    layer = Scale()
    assert not layer.built and layer.weights == []
    layer(np.ones((2, 3), dtype="float32"))
    layer(np.ones((5, 3), dtype="float32"))
    assert layer.built and layer.build_shapes == [(2, 3)]
    assert [v.name for v in layer.weights] == ["scale", "counter"]


def test_explicit_build_then_call():
    layer = Scale()
    layer.build((None, 4))
    assert layer.built is True or layer.weights
    assert layer.scale.shape == (4,)


def test_build_with_multiple_shape_arguments():
    class Pair(keras.layers.Layer):
        def build(self, a_shape, b_shape):
            self.shapes = (a_shape, b_shape)

        def call(self, a, b):
            return a + b

    layer = Pair()
    layer(np.ones((2, 3), "float32"), np.ones((2, 3), "float32"))
    assert layer.shapes == ((2, 3), (2, 3))


class Tracker(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.first = keras.layers.Dense(2, name="first")
        self.in_list = [keras.layers.Dense(2, name="l0"), keras.layers.Dense(2, name="l1")]
        self.in_dict = {"a": keras.layers.Dense(2, name="da")}
        self.var = tf.Variable(np.zeros(3, "float32"), name="own")
        self.frozen = tf.Variable(np.zeros(1, "float32"), trainable=False, name="frozen")
        self.metric = keras.metrics.Mean(name="m")
        self.appended = []
        self.appended.append(keras.layers.Dense(2, name="late"))

    def call(self, x):
        for layer in [self.first] + self.in_list + [self.in_dict["a"]] + self.appended:
            x = layer(x)
        return x


def test_tracking_of_attributes_lists_dicts_and_appended_lists():
    layer = Tracker()
    layer(np.ones((1, 2), "float32"))
    assert [sub.name for sub in layer._layers] == ["first", "l0", "l1", "da", "late"]
    names = [v.path if hasattr(v, "path") else v.name for v in layer.weights]
    # own trainable, own non-trainable, then sublayers in order
    assert layer.weights[0] is layer.var and layer.weights[1] is layer.frozen
    assert names[2:] == [f"{n}/{w}" for n in ("first", "l0", "l1", "da", "late") for w in ("kernel", "bias")]
    assert layer.trainable_weights[0] is layer.var and layer.frozen not in layer.trainable_weights
    assert layer.non_trainable_weights == [layer.frozen]
    assert layer.metrics == [layer.metric]


def test_shared_sublayer_weights_are_not_duplicated():
    class Shared(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.a = keras.layers.Dense(2)
            self.b = self.a

        def call(self, x):
            return self.b(self.a(x))

    layer = Shared()
    layer(np.ones((1, 2), "float32"))
    assert len(layer.weights) == 2 and len(layer._layers) == 1


def test_trainable_false_freezes_layer_and_sublayers():
    layer = Tracker()
    layer(np.ones((1, 2), "float32"))
    total = len(layer.weights)
    layer.trainable = False
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == total
    assert all(not sub.trainable for sub in layer._layers)
    layer.trainable = True
    assert len(layer.trainable_weights) == total - 1


def test_frozen_sublayer_gets_no_update_in_fit():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.layers[0].trainable = False
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)
    after = model.get_weights()
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert not np.array_equal(before[2], after[2])


def test_training_flag_flows_to_inner_layers_that_declare_it():
    seen = []

    class Inner(keras.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class NoTraining(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def call(self, x):
            return self.inner(x)

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.block = NoTraining()

        def call(self, x, training=None):
            return self.block(x)

    outer = Outer()
    x = np.ones((1, 2), "float32")
    outer(x, training=True)
    outer(x, training=False)
    outer(x)
    assert seen == [True, False, None]
    model = keras.Sequential([keras.Input((2,)), Outer()])
    seen.clear()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x, verbose=0)
    model.predict(x, verbose=0)
    assert seen[-2:] == [True, False]


def test_inner_explicit_training_overrides_context():
    seen = []

    class Inner(keras.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def call(self, x, training=None):
            return self.inner(x, training=False)

    Outer()(np.ones((1, 1), "float32"), training=True)
    assert seen == [False]


def test_losses_include_regularizers_of_all_tracked_weights_and_reset():
    class Reg(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2, kernel_regularizer="l2", bias_regularizer=keras.regularizers.l1(0.5),
                                            bias_initializer="ones")
            self.own = self.add_weight(shape=(2,), initializer="ones", regularizer=keras.regularizers.l1(0.1))

        def call(self, x):
            self.add_loss(ops.reduce_sum(x))
            return self.dense(x) * self.own

    layer = Reg()
    layer(np.ones((1, 3), "float32"))
    values = [float(v) for v in layer.losses]
    kernel = layer.dense.kernel.numpy()
    assert len(values) == 4
    assert values[0] == 3.0
    np.testing.assert_allclose(sorted(values[1:]), sorted([0.2, 0.01 * np.sum(kernel**2), 1.0]), rtol=1e-5)
    layer(np.ones((1, 3), "float32") * 2)
    assert len(layer.losses) == 4 and float(layer.losses[0]) == 6.0


def test_activity_regularizer_adds_a_loss():
    dense = keras.layers.Dense(2, activity_regularizer=keras.regularizers.l2(0.1), kernel_initializer="ones")
    out = dense(np.ones((2, 3), "float32"))
    np.testing.assert_allclose(float(dense.losses[0]), 0.1 * np.sum(out.numpy() ** 2) / 2, rtol=1e-5)


def test_add_metric_is_averaged_over_the_epoch_and_logged():
    class Probe(keras.layers.Layer):
        def call(self, x):
            self.add_metric(ops.reduce_mean(x), name="x_mean")
            return x

    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1)(Probe()(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(8, dtype="float32").reshape(8, 1)
    history = model.fit(x, x, batch_size=2, epochs=2, shuffle=False, verbose=0)
    assert history.history["x_mean"] == [pytest.approx(3.5), pytest.approx(3.5)]
    logs = model.evaluate(x[:4], x[:4], batch_size=2, verbose=0, return_dict=True)
    assert logs["x_mean"] == pytest.approx(1.5)


def test_get_config_from_config_round_trip():
    class Custom(keras.layers.Layer):
        def __init__(self, units=3, scale=1.5, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.scale = scale

        def call(self, x):
            return x * self.scale

    layer = Custom(units=4, name="custom_a")
    config = layer.get_config()
    assert config["units"] == 4 and config["scale"] == 1.5 and config["name"] == "custom_a"
    clone = Custom.from_config(config)
    assert clone.units == 4 and clone.name == "custom_a"
    dense = keras.layers.Dense(3, activation="relu", name="d")
    restored = keras.layers.Dense.from_config(dense.get_config())
    assert restored.units == 3 and restored.get_config() == dense.get_config()


def test_compute_output_shape():
    assert keras.layers.Dense(7).compute_output_shape((None, 3)) == (None, 7)
    assert keras.layers.Dense(7).compute_output_shape((2, 5, 3)) == (2, 5, 7)
    assert Scale().compute_output_shape((None, 4)) == (None, 4)


def test_auto_names_count_per_class_and_reset_with_clear_session():
    assert [keras.layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert Scale().name == "scale"
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    keras.layers.Dense(1)
    clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_count_params_and_unbuilt_error():
    dense = keras.layers.Dense(3)
    with pytest.raises(ValueError, match="dense"):
        dense.count_params()
    dense(np.ones((1, 4), "float32"))
    assert dense.count_params() == 15


def test_error_names_the_layer_and_the_shape():
    keras.layers.Dense(1)
    keras.layers.Dense(1)
    dense = keras.layers.Dense(3)
    dense(np.ones((2, 64), "float32"))
    with pytest.raises(ValueError) as info:
        dense(np.ones((3, 32), "float32"))
    assert str(info.value) == 'Layer "dense_2" expects input with last dimension 64. Received: shape=(3, 32)'


def test_symbolic_error_names_the_layer():
    inputs = keras.Input((4,))
    x = keras.layers.Dense(3, name="hidden")(inputs)

    class Bad(keras.layers.Layer):
        def call(self, x):
            return ops.reshape(x, (5, 5))

    with pytest.raises(ValueError, match="bad"):
        Bad()(x)


def test_layer_without_super_init_is_reported():
    class Broken(keras.layers.Layer):
        def __init__(self):
            self.dense = keras.layers.Dense(1)

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_set_weights_checks_count_and_shapes():
    dense = keras.layers.Dense(2)
    dense(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="dense"):
        dense.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match="shape"):
        dense.set_weights([np.ones((2, 2)), np.ones(2)])
    dense.set_weights([np.ones((3, 2)), np.zeros(2)])
    np.testing.assert_array_equal(dense(np.ones((1, 3), "float32")).numpy(), [[3, 3]])


def test_unknown_constructor_kwarg_is_an_error():
    with pytest.raises(TypeError, match="unrecognized"):
        keras.layers.Dense(2, unitz=3)


def test_own_weights_follow_creation_order_across_attribute_and_add_weight():
    class Mixed(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.total = tf.Variable(np.zeros(2, "float32"), trainable=False, name="total")
            self.first = tf.Variable(np.zeros(2, "float32"), name="first")

        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), name="w")

        def call(self, x):
            return x * self.w + self.first

    layer = Mixed()
    layer(np.ones((1, 2), "float32"))
    assert [v.name for v in layer.weights] == ["first", "w", "total"]
    assert [v.name for v in layer.trainable_weights] == ["first", "w"]


def test_first_fit_step_of_an_unbuilt_subclassed_model_updates_its_weights():
    import numpy as np

    from engine import keras

    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, kernel_initializer="ones")

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.ones((4, 2), dtype="float32")
    model.train_on_batch(x, np.zeros((4, 1), dtype="float32"))
    assert not np.allclose(model.dense.kernel.numpy(), 1.0)


def test_structure_cache_forgets_on_new_sublayers_and_weights():
    from engine import keras
    from engine.layers.layer import structure_cache

    outer = keras.layers.Layer()
    outer.first = keras.layers.Dense(2)
    with structure_cache():
        assert outer._layers == [outer.first]
        outer.second = keras.layers.Dense(3)
        assert outer._layers == [outer.first, outer.second]
        assert outer.weights == []
        w = outer.add_weight(shape=(2,), name="w")
        assert outer.weights == [w]
        outer.first(np.ones((1, 4), dtype="float32"))
        assert len(outer.weights) == 3
    assert len(outer.weights) == 3


def test_fit_sees_weights_created_during_its_first_step():
    from engine import keras

    class Lazy(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, kernel_initializer="zeros")

        def call(self, x):
            return self.dense(x)

    model = Lazy()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(np.ones((8, 2), dtype="float32"), np.ones((8, 1), dtype="float32"), epochs=2, verbose=0)
    assert not np.allclose(model.dense.kernel.numpy(), 0.0)
