"""Generic layer checks for the pooling and spatial reshaping layers."""

import numpy as np
import pytest

from engine import keras
from engine.layers import CATEGORIES
from tests.engine.layer_checks import check_layer

L = keras.layers

CASES = [
    (L.MaxPooling1D, dict(pool_size=3, strides=2, padding="same"), (2, 5, 2), (2, 3, 2)),
    (L.MaxPooling2D, dict(), (2, 5, 4, 2), (2, 2, 2, 2)),
    (L.MaxPooling3D, dict(pool_size=(2, 1, 2), padding="same"), (2, 3, 2, 3, 1), (2, 2, 2, 2, 1)),
    (L.AveragePooling1D, dict(), (2, 5, 2), (2, 2, 2)),
    (L.AveragePooling2D, dict(pool_size=3, strides=2, padding="same"), (2, 5, 4, 2), (2, 3, 2, 2)),
    (L.AveragePooling3D, dict(pool_size=2, strides=1), (2, 3, 2, 3, 1), (2, 2, 1, 2, 1)),
    (L.GlobalMaxPooling1D, dict(), (2, 4, 3), (2, 3)),
    (L.GlobalMaxPooling2D, dict(keepdims=True), (2, 3, 4, 2), (2, 1, 1, 2)),
    (L.GlobalMaxPooling3D, dict(), (2, 2, 3, 2, 2), (2, 2)),
    (L.GlobalAveragePooling1D, dict(keepdims=True), (2, 4, 3), (2, 1, 3)),
    (L.GlobalAveragePooling2D, dict(), (2, 3, 4, 2), (2, 2)),
    (L.GlobalAveragePooling3D, dict(keepdims=True), (2, 2, 3, 2, 2), (2, 1, 1, 1, 2)),
    (L.UpSampling1D, dict(size=3), (2, 3, 2), (2, 9, 2)),
    (L.UpSampling2D, dict(size=(2, 3)), (2, 2, 3, 2), (2, 4, 9, 2)),
    (L.UpSampling2D, dict(size=2, interpolation="bilinear"), (2, 3, 2, 2), (2, 6, 4, 2)),
    (L.ZeroPadding1D, dict(padding=(1, 2)), (2, 3, 2), (2, 6, 2)),
    (L.ZeroPadding2D, dict(padding=((1, 0), (2, 1))), (2, 3, 2, 2), (2, 4, 5, 2)),
    (L.Cropping1D, dict(cropping=(1, 0)), (2, 4, 2), (2, 3, 2)),
    (L.Cropping2D, dict(cropping=((1, 0), (0, 2))), (2, 3, 4, 2), (2, 2, 2, 2)),
]


@pytest.mark.parametrize("layer_cls,kwargs,input_shape,output_shape", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_pool_layer(layer_cls, kwargs, input_shape, output_shape):
    check_layer(layer_cls, kwargs, input_shape, expected_output_shape=output_shape, expected_num_weights=0)


def test_average_pooling_same_excludes_padded_cells():
    x = np.arange(1.0, 10.0, dtype="float32").reshape(1, 3, 3, 1)
    y = L.AveragePooling2D(2, padding="same")(x).numpy()[0, :, :, 0]
    np.testing.assert_allclose(y, [[3.0, 4.5], [7.5, 9.0]])


def test_global_average_pooling1d_respects_mask():
    x = np.array([[[1.0], [3.0], [100.0]]], "float32")
    mask = np.array([[True, True, False]])
    y = L.GlobalAveragePooling1D()(x, mask=mask).numpy()
    np.testing.assert_allclose(y, [[2.0]])


def test_channels_first_pooling_and_padding():
    x = np.random.default_rng(0).normal(size=(2, 5, 4, 3)).astype("float32")
    xf = np.transpose(x, (0, 3, 1, 2))
    for make in (lambda fmt: L.MaxPooling2D(2, padding="same", data_format=fmt),
                 lambda fmt: L.UpSampling2D(2, data_format=fmt, interpolation="bilinear"),
                 lambda fmt: L.ZeroPadding2D(1, data_format=fmt),
                 lambda fmt: L.Cropping2D(1, data_format=fmt)):
        last = make("channels_last")(x).numpy()
        first = make("channels_first")(xf).numpy()
        np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last, rtol=1e-6)
    assert L.GlobalAveragePooling2D(data_format="channels_first")(xf).shape == (2, 3)


@pytest.mark.parametrize("make,message", [
    (lambda: L.MaxPooling2D(pool_size=(2, 0)), r"MaxPooling2D: pool_size must be positive. Received: pool_size=\(2, 0\)"),
    (lambda: L.AveragePooling1D(strides=-1), "strides must be positive"),
    (lambda: L.MaxPooling2D(padding="full"), "padding must be one of 'valid', 'same'. Received: padding='full'"),
    (lambda: L.GlobalMaxPooling2D(keepdims="yes"), "keepdims must be True or False"),
    (lambda: L.UpSampling2D(interpolation="bicubic"), "interpolation must be 'nearest' or 'bilinear'"),
    (lambda: L.UpSampling1D(size=0), "size must be a positive integer"),
    (lambda: L.ZeroPadding2D(padding=(1, -1)), "ZeroPadding2D: padding must be"),
    (lambda: L.Cropping1D(cropping=(1, 2, 3)), "Cropping1D: cropping must be"),
])
def test_bad_arguments_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs_fail_at_call():
    with pytest.raises(ValueError, match=r'"pool".*ndim=4.*\(2, 3\)'):
        L.MaxPooling2D(name="pool")(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="does not fit"):
        L.MaxPooling2D(3)(np.zeros((1, 2, 2, 1), "float32"))
    with pytest.raises(ValueError, match="removes"):
        L.Cropping2D(2)(np.zeros((1, 4, 6, 1), "float32"))


def test_categories():
    for name in ["MaxPooling2D", "AveragePooling3D", "GlobalAveragePooling1D", "UpSampling2D", "ZeroPadding1D",
                 "Cropping2D"]:
        assert CATEGORIES[name] == "Pooling"


def test_unknown_spatial_sizes_in_functional_models():
    inputs = keras.Input(shape=(None, None, 2))
    x = L.MaxPooling2D(3, padding="same")(inputs)
    x = L.UpSampling2D(2)(x)
    x = L.Cropping2D(1)(x)
    assert tuple(x.shape) == (None, None, None, 2)
    assert tuple(L.GlobalMaxPooling2D()(x).shape) == (None, 2)
    model = keras.Model(inputs, x)
    assert model.predict(np.zeros((1, 7, 9, 2), "float32"), verbose=0).shape == (1, 4, 4, 2)
