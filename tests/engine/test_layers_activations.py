"""check_layer and behaviour tests for the activation layers."""

import numpy as np
import pytest

from engine import keras
from engine.autodiff import Tensor
from tests.engine.layer_checks import check_layer

L = keras.layers


def _away_from_kinks(shape, kinks=(0.0,), seed=0):
    x = np.random.default_rng(seed).normal(size=shape) * 2
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.05, k + 0.2, x)
    return x.astype("float32")


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 1.0}, {"negative_slope": 0.1}, {"threshold": 0.5},
                                    {"max_value": 2.0, "negative_slope": 0.2, "threshold": -0.5}])
def test_relu(kwargs):
    kinks = (kwargs.get("threshold", 0.0), kwargs.get("max_value", 0.0) or 0.0, 0.0)
    x = _away_from_kinks((3, 4), kinks)
    layer = check_layer(L.ReLU, kwargs, x.shape, input_data=x)
    t, s, m = kwargs.get("threshold", 0.0), kwargs.get("negative_slope", 0.0), kwargs.get("max_value")
    pos = np.where(x > t, x, 0) if t else np.maximum(x, 0)
    if m is not None:
        pos = np.clip(pos, 0, m)
    expected = pos - s * np.maximum(t - x, 0)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6)


def test_relu_bad_arguments():
    with pytest.raises(ValueError, match="max_value"):
        L.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope"):
        L.ReLU(negative_slope=-0.1)


def test_leaky_relu_default_slope_is_keras_3():
    layer = L.LeakyReLU()
    assert layer.negative_slope == 0.3
    x = _away_from_kinks((3, 4))
    check_layer(L.LeakyReLU, {"negative_slope": 0.1}, x.shape, input_data=x)
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    assert L.LeakyReLU(alpha=0.2).negative_slope == 0.2


@pytest.mark.parametrize("kwargs,shape,alpha_shape", [({}, (2, 3, 4), (3, 4)),
                                                      ({"shared_axes": [1]}, (2, 3, 4), (1, 4)),
                                                      ({"alpha_initializer": "ones", "shared_axes": 2}, (2, 3, 4),
                                                       (3, 1))])
def test_prelu(kwargs, shape, alpha_shape):
    x = _away_from_kinks(shape)
    layer = check_layer(L.PReLU, dict(kwargs, alpha_initializer=kwargs.get("alpha_initializer", "random_normal")),
                        shape, input_data=x, expected_num_weights=1)
    assert layer.alpha.shape == alpha_shape
    alpha = layer.get_weights()[0]
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, alpha * x), rtol=1e-6)


def test_elu():
    x = _away_from_kinks((3, 4))
    layer = check_layer(L.ELU, {"alpha": 0.5}, x.shape, input_data=x)
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_softmax(axis):
    x = _away_from_kinks((2, 3, 4))
    layer = check_layer(L.Softmax, {"axis": axis}, x.shape, input_data=x)
    axes = tuple(np.atleast_1d(axis))
    e = np.exp(x - x.max(axes, keepdims=True))
    np.testing.assert_allclose(layer(x).numpy(), e / e.sum(axes, keepdims=True), rtol=1e-5, atol=1e-7)


def test_softmax_mask():
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    mask = np.array([[True, True, False, True], [False, True, True, True]])
    out = L.Softmax()(x, mask=Tensor(mask)).numpy()
    assert np.all(out[~mask] == 0)
    np.testing.assert_allclose(out.sum(-1), 1, rtol=1e-6)
    with pytest.raises(ValueError, match="broadcastable"):
        L.Softmax()(x, mask=Tensor(np.ones((2, 3), bool)))
