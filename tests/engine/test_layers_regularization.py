"""check_layer and behaviour tests for the regularization layers."""

import numpy as np
import pytest

from engine import keras
from tests.engine.layer_checks import check_layer

L = keras.layers


@pytest.mark.parametrize("cls,kwargs,shape", [
    (L.Dropout, {"rate": 0.5}, (4, 3)),
    (L.Dropout, {"rate": 0.5, "noise_shape": (None, 1, 3), "seed": 3}, (4, 2, 3)),
    (L.SpatialDropout1D, {"rate": 0.3}, (2, 3, 4)),
    (L.SpatialDropout2D, {"rate": 0.3, "data_format": "channels_first"}, (2, 3, 2, 2)),
    (L.SpatialDropout3D, {"rate": 0.3}, (2, 2, 2, 2, 3)),
    (L.GaussianNoise, {"stddev": 0.2}, (3, 4)),
    (L.ActivityRegularization, {"l1": 0.1, "l2": 0.2}, (3, 4)),
])
def test_check_layer(cls, kwargs, shape):
    check_layer(cls, kwargs, shape, expected_output_shape=shape, expected_num_weights=0)


def test_dropout_training_statistics_and_inference_identity():
    x = np.ones((200, 50), "float32")
    layer = L.Dropout(0.4, seed=1)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    out = layer(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.6)}
    assert abs((out == 0).mean() - 0.4) < 0.03
    # a seeded layer draws a new mask on every call
    assert not np.array_equal(out, layer(x, training=True).numpy())
    # and two layers with the same seed repeat each other
    np.testing.assert_array_equal(L.Dropout(0.4, seed=7)(x, training=True).numpy(),
                                  L.Dropout(0.4, seed=7)(x, training=True).numpy())


def test_dropout_noise_shape_shares_mask():
    out = L.Dropout(0.5, noise_shape=(None, 1, 6), seed=0)(np.ones((3, 5, 6), "float32"), training=True).numpy()
    assert np.all(out == out[:, :1, :])
    with pytest.raises(ValueError, match="does not broadcast"):
        L.Dropout(0.5, noise_shape=(3, 2, 6))(np.ones((3, 5, 6), "float32"), training=True)


def test_spatial_dropout_drops_whole_channels():
    out = L.SpatialDropout1D(0.5, seed=0)(np.ones((4, 7, 8), "float32"), training=True).numpy()
    assert np.all(out == out[:, :1, :]) and (out == 0).any()
    out = L.SpatialDropout2D(0.5, seed=0)(np.ones((2, 3, 3, 8), "float32"), training=True).numpy()
    assert np.all(out == out[:, :1, :1, :])
    with pytest.raises(ValueError, match="ndim|rank"):
        L.SpatialDropout2D(0.5)(np.ones((2, 3, 8), "float32"), training=True)


def test_bad_rates():
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\)"):
        L.Dropout(1.0)
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(-1)
    with pytest.raises(ValueError, match="l1"):
        L.ActivityRegularization(l1=-0.1)


def test_gaussian_noise_only_in_training():
    x = np.zeros((500, 20), "float32")
    layer = L.GaussianNoise(0.5, seed=0)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    assert abs(layer(x, training=True).numpy().std() - 0.5) < 0.02


def test_activity_regularization_adds_loss_scaled_by_batch():
    x = np.array([[1.0, -2.0], [3.0, 0.5]], "float32")
    layer = L.ActivityRegularization(l1=0.1, l2=0.01)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)
    assert "activity_regularizer" not in layer.get_config()
