"""Our pooling and spatial reshaping layers against Keras 3 (torch backend)."""

import numpy as np
import pytest

from engine import keras as ours
from tests.engine.parity.spatial_parity import check_parity

CASES = [
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 7, 3)),
    ("MaxPooling2D", dict(), (2, 5, 6, 2)),
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 6, 5, 2)),
    ("MaxPooling3D", dict(pool_size=2, padding="same"), (1, 3, 4, 3, 2)),
    ("AveragePooling1D", dict(pool_size=2), (2, 7, 3)),
    ("AveragePooling2D", dict(pool_size=3, strides=1, padding="same"), (2, 5, 4, 2)),
    ("AveragePooling2D", dict(pool_size=(2, 3), strides=(2, 1)), (2, 5, 6, 2)),
    ("AveragePooling3D", dict(pool_size=3, strides=1, padding="same"), (1, 3, 4, 3, 2)),
    ("GlobalMaxPooling1D", dict(), (2, 5, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True), (2, 4, 3, 2)),
    ("GlobalMaxPooling3D", dict(), (2, 2, 3, 2, 2)),
    ("GlobalAveragePooling1D", dict(), (2, 5, 3)),
    ("GlobalAveragePooling2D", dict(), (2, 4, 3, 2)),
    ("GlobalAveragePooling3D", dict(keepdims=True), (2, 2, 3, 2, 2)),
    ("UpSampling1D", dict(size=3), (2, 3, 2)),
    ("UpSampling2D", dict(size=(2, 3)), (2, 3, 2, 2)),
    ("UpSampling2D", dict(size=(3, 2), interpolation="bilinear"), (2, 3, 4, 2)),
    ("ZeroPadding1D", dict(padding=(2, 1)), (2, 3, 2)),
    ("ZeroPadding2D", dict(padding=((1, 2), (0, 1))), (2, 3, 3, 2)),
    ("Cropping1D", dict(cropping=(1, 2)), (2, 5, 2)),
    ("Cropping2D", dict(cropping=((1, 0), (1, 2))), (2, 4, 5, 2)),
]


@pytest.mark.parametrize("class_name,kwargs,input_shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pool_layer_matches_keras(class_name, kwargs, input_shape):
    check_parity(class_name, kwargs, input_shape)


def test_average_pooling_asymmetric_same_padding_excludes_padded_cells():
    # Keras's torch backend replicates edge cells when "same" padding is uneven, which
    # changes edge averages; Keras's reference semantics (TensorFlow, JAX) exclude the
    # padded cells. We follow the reference: compare with a direct numpy computation.
    # Here pool 3, stride 2 on 6 cells pads one cell after: the last window holds 2 real cells.
    x = np.random.default_rng(3).normal(size=(2, 6, 6, 2)).astype("float32")
    y = ours.layers.AveragePooling2D(pool_size=3, strides=2, padding="same")(x).numpy()
    expected = np.zeros((2, 3, 3, 2), "float32")
    for i in range(3):
        for j in range(3):
            expected[:, i, j] = x[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3].mean(axis=(1, 2))
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_global_average_pooling1d_mask_matches_keras():
    import keras
    import torch

    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    got = ours.layers.GlobalAveragePooling1D()(x, mask=mask).numpy()
    want = keras.layers.GlobalAveragePooling1D()(torch.tensor(x), mask=torch.tensor(mask))
    np.testing.assert_allclose(got, want.detach().cpu().numpy(), rtol=1e-5, atol=1e-6)


def test_max_pooling_ties_route_the_gradient_like_keras():
    ties = np.random.default_rng(5).integers(0, 2, size=(2, 6, 6, 2)).astype("float32")
    check_parity("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), ties.shape, input_data=ties)


def test_max_pooling_propagates_nan():
    x = np.array([[[1.0], [np.nan], [0.5], [2.0]]], "float32")
    y = ours.layers.MaxPooling1D(2)(x).numpy().ravel()
    assert np.isnan(y[0]) and y[1] == 2.0
