"""Initializers (defaults, statistics, determinism, configs) and regularizers (values
against Keras 3, gradients, configs)."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras as real  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from engine import keras, tf  # noqa: E402
from engine import initializers  # noqa: E402

SHAPE = (200, 300)
FAN_IN, FAN_OUT = SHAPE


@pytest.mark.parametrize("name,std", [
    ("glorot_normal", np.sqrt(2.0 / (FAN_IN + FAN_OUT))),
    ("he_normal", np.sqrt(2.0 / FAN_IN)),
    ("lecun_normal", np.sqrt(1.0 / FAN_IN)),
    ("random_normal", 0.05),
])
def test_normal_initializers_have_the_keras_stddev(name, std):
    values = initializers.get(name)(SHAPE).numpy()
    assert values.dtype == np.float32 and values.shape == SHAPE
    assert abs(values.mean()) < 0.05 * std * 3
    np.testing.assert_allclose(values.std(), std, rtol=0.03)
    if name != "random_normal":  # truncated at two standard deviations of the untruncated normal
        assert np.abs(values).max() <= 2 * std / 0.87962566 + 1e-6


@pytest.mark.parametrize("name,limit", [
    ("glorot_uniform", np.sqrt(6.0 / (FAN_IN + FAN_OUT))),
    ("he_uniform", np.sqrt(6.0 / FAN_IN)),
    ("random_uniform", 0.05),
])
def test_uniform_initializers_have_the_keras_limit(name, limit):
    values = initializers.get(name)(SHAPE).numpy()
    assert values.min() >= -limit and values.max() <= limit
    assert values.max() > 0.98 * limit and values.min() < -0.98 * limit


def test_dense_default_kernel_is_glorot_uniform_and_bias_zeros():
    dense = keras.layers.Dense(300)
    dense(np.ones((1, 200), "float32"))
    limit = np.sqrt(6.0 / 500)
    kernel = dense.kernel.numpy()
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    np.testing.assert_array_equal(dense.bias.numpy(), 0)


def test_deterministic_initializers():
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((2,)).numpy(), np.ones(2))
    np.testing.assert_array_equal(keras.initializers.Constant(2.5)((2, 2)).numpy(), np.full((2, 2), 2.5))
    assert initializers.get("zeros")((2,), dtype="float64").dtype == "float64"


@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6)])
def test_orthogonal_is_orthonormal(shape):
    q = keras.initializers.Orthogonal(gain=2.0)(shape).numpy().astype(np.float64)
    small = min(shape)
    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)


def test_seeded_initializers_repeat():
    a = keras.initializers.GlorotUniform(seed=3)((3, 4)).numpy()
    b = keras.initializers.GlorotUniform(seed=3)((3, 4)).numpy()
    np.testing.assert_array_equal(a, b)
    c = keras.initializers.RandomNormal(stddev=1.0)((3, 4)).numpy()
    d = keras.initializers.RandomNormal(stddev=1.0)((3, 4)).numpy()
    assert not np.array_equal(c, d)


def test_tf_initializer_objects_from_the_guide():
    w = tf.random_normal_initializer()(shape=(500, 40), dtype="float32").numpy()
    np.testing.assert_allclose(w.std(), 0.05, rtol=0.05)
    np.testing.assert_array_equal(tf.zeros_initializer()(shape=(3,), dtype="float32").numpy(), np.zeros(3))


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "random_normal",
                                  "random_uniform", "zeros", "ones", "orthogonal"])
def test_initializer_config_round_trip_and_names(name):
    init = initializers.get(name)
    config = initializers.serialize(init)
    assert config["class_name"] == type(real.initializers.get(name)).__name__
    again = initializers.get(config)
    assert type(again) is type(init) and again.get_config() == init.get_config()
    assert type(initializers.get(type(init).__name__)) is type(init)


def test_unknown_initializer_is_a_clear_error():
    with pytest.raises(ValueError, match="glorot_unifrom"):
        initializers.get("glorot_unifrom")


@pytest.mark.parametrize("factory", [
    lambda k: k.regularizers.l1(0.3), lambda k: k.regularizers.l2(0.2), lambda k: k.regularizers.L1L2(0.1, 0.4),
    lambda k: k.regularizers.l1_l2(l1=0.05, l2=0.02), lambda k: k.regularizers.l2(),
    lambda k: k.regularizers.get("l1"), lambda k: k.regularizers.get("l2"),
])
def test_regularizer_values_match_keras(factory):
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    mine = factory(keras)(keras.Variable(x))
    theirs = factory(real)(real.Variable(x))
    np.testing.assert_allclose(float(mine), float(np.asarray(theirs.detach().cpu())), rtol=1e-5)
    mine_config, their_config = factory(keras).get_config(), factory(real).get_config()
    assert mine_config == pytest.approx(their_config, rel=1e-6)


def test_regularizer_gradient():
    from tests.engine.gradcheck import check_gradients

    check_gradients(lambda w: keras.regularizers.L1L2(0.3, 0.7)(w), np.array([[0.5, -1.2], [0.8, -0.4]]))


def test_regularizer_rejects_bad_factors():
    with pytest.raises(ValueError, match="l2"):
        keras.regularizers.l2(-1.0)
    with pytest.raises(ValueError, match="regularizer"):
        keras.regularizers.get("l3")


def test_orthogonal_initializer_returns_c_contiguous_values():
    from engine import initializers

    value = initializers.Orthogonal(seed=1)((3, 5), dtype="float32").numpy()
    assert value.flags["C_CONTIGUOUS"]


def test_gelu_activation_string_is_exact_like_keras():
    import os

    import numpy as np

    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras as real_keras

    from engine import activations

    x = np.linspace(-3, 3, 13).astype("float32")
    np.testing.assert_allclose(activations.get("gelu")(x).numpy(),
                               real_keras.ops.convert_to_numpy(real_keras.activations.gelu(x)), rtol=1e-5, atol=1e-6)
