"""check_layer and behaviour tests for the normalization layers."""

import numpy as np
import pytest

from engine import keras
from tests.engine.layer_checks import check_layer, check_layer_gradients

L = keras.layers


@pytest.mark.parametrize("kwargs,shape", [({}, (4, 3)), ({"axis": 1}, (4, 3, 2)), ({"axis": [1, 3]}, (3, 2, 2, 2)),
                                          ({"center": False, "scale": False}, (4, 3))])
def test_batch_normalization_check_layer(kwargs, shape):
    layer = check_layer(L.BatchNormalization, kwargs, shape, expected_output_shape=shape)
    names = [w.name for w in layer.weights]
    expected = (["gamma"] if layer.scale else []) + (["beta"] if layer.center else []) + ["moving_mean",
                                                                                          "moving_variance"]
    assert names == expected
    assert [w.trainable for w in layer.weights] == [True] * (len(expected) - 2) + [False, False]


def test_batch_normalization_training_gradients_use_batch_statistics():
    x = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    check_layer_gradients(L.BatchNormalization, {}, x, training=True)
    check_layer_gradients(L.BatchNormalization, {"axis": 1}, np.random.default_rng(3).normal(size=(4, 2, 3)),
                          training=True)


def test_batch_normalization_moving_statistics_update():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(8, 3)).astype("float32")
    layer = L.BatchNormalization(momentum=0.9)
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)
    inference = layer(x, training=False).numpy()
    expected = (x - layer.moving_mean.numpy()) / np.sqrt(layer.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-5, atol=1e-5)


def test_frozen_batch_normalization_runs_in_inference_mode():
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    layer = L.BatchNormalization()
    layer.build(x.shape)
    layer.trainable = False
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), 0)


def test_batch_normalization_in_fit_updates_moving_statistics():
    x = np.random.default_rng(0).normal(5.0, 1.0, size=(32, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), L.BatchNormalization(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((32, 1), "float32"), epochs=1, batch_size=32, verbose=0)
    assert np.all(model.layers[0].moving_mean.numpy() > 0.01)


def test_batch_normalization_masked_statistics():
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    from engine.autodiff import Tensor

    layer = L.BatchNormalization(momentum=0.0)
    layer(x, training=True, mask=Tensor(mask))
    np.testing.assert_allclose(layer.moving_mean.numpy(), x[mask].mean(0), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="one dimension less"):
        layer(x, training=True, mask=Tensor(np.ones((2, 4, 3), bool)))


def test_batch_normalization_bad_arguments():
    with pytest.raises(ValueError, match="momentum"):
        L.BatchNormalization(momentum=2)
    with pytest.raises(TypeError, match="axis"):
        L.BatchNormalization(axis="x")
    with pytest.raises(ValueError, match="invalid axis"):
        L.BatchNormalization(axis=3)(np.ones((2, 3), "float32"))


@pytest.mark.parametrize("kwargs,shape", [({}, (3, 5)), ({"axis": [1, 2]}, (2, 3, 4)), ({"axis": 1}, (2, 3, 4)),
                                          ({"center": False}, (3, 5)), ({"rms_scaling": True}, (3, 5))])
def test_layer_normalization(kwargs, shape):
    layer = check_layer(L.LayerNormalization, kwargs, shape, expected_output_shape=shape)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    axes = tuple(np.atleast_1d(layer.axis) % len(shape))
    if not layer.rms_scaling:
        out = layer(x).numpy()
        expected = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-3)
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs,shape", [({"groups": 2}, (3, 4)), ({"groups": 2, "axis": 1}, (2, 4, 3)),
                                          ({"groups": 3}, (2, 2, 2, 6))])
def test_group_normalization(kwargs, shape):
    check_layer(L.GroupNormalization, kwargs, shape, expected_output_shape=shape)


def test_group_normalization_values_and_errors():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    out = L.GroupNormalization(groups=2)(x).numpy()
    g = x.reshape(2, 3, 2, 2)
    expected = ((g - g.mean((1, 3), keepdims=True)) / np.sqrt(g.var((1, 3), keepdims=True) + 1e-3)).reshape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="must divide"):
        L.GroupNormalization(groups=3)(x)
    with pytest.raises(ValueError, match="more than"):
        L.GroupNormalization(groups=32)(x)


@pytest.mark.parametrize("kwargs,shape", [({}, (3, 5)), ({"axis": 1}, (2, 4, 3)), ({"axis": [1, 2]}, (2, 3, 4))])
def test_unit_normalization_check_layer_and_unit_norm(kwargs, shape):
    layer = check_layer(L.UnitNormalization, kwargs, shape, expected_output_shape=shape, expected_num_weights=0)
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    axis = kwargs.get("axis", -1)
    axes = tuple(axis) if isinstance(axis, list) else (axis,)
    np.testing.assert_allclose(np.sqrt((layer(x).numpy() ** 2).sum(axis=axes)), 1.0, rtol=1e-5)


def test_unit_normalization_keeps_zero_vectors_zero_with_a_finite_gradient():
    from engine.autodiff import GradientTape, Tensor

    x = Tensor(np.zeros((2, 3)))
    with GradientTape() as tape:
        tape.watch(x)
        out = L.UnitNormalization(dtype="float64")(x)
    np.testing.assert_array_equal(out.numpy(), 0.0)
    assert np.all(np.isfinite(tape.gradient(out, [x])[0].numpy()))
    with pytest.raises(ValueError, match="invalid axis"):
        L.UnitNormalization(axis=3)(np.ones((2, 3), "float32"))
    with pytest.raises(TypeError, match="axis must be"):
        L.UnitNormalization(axis="last")
