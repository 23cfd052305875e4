"""Our convolution layers against Keras 3 (torch backend) with the same weights."""

import pytest

from tests.engine.parity.spatial_parity import check_parity

CASES = [
    ("Conv1D", dict(filters=3, kernel_size=3), (2, 7, 2)),
    ("Conv1D", dict(filters=4, kernel_size=3, strides=2, padding="same", groups=2, activation="tanh"), (2, 8, 4)),
    ("Conv1D", dict(filters=2, kernel_size=2, padding="causal", dilation_rate=2), (2, 6, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 7, 6, 3)),
    ("Conv2D", dict(filters=3, kernel_size=(2, 3), dilation_rate=(2, 1), use_bias=False), (2, 6, 6, 2)),
    ("Conv2D", dict(filters=4, kernel_size=1, groups=2), (2, 3, 3, 4)),
    ("Conv2D", dict(filters=2, kernel_size=3, padding="same", data_format="channels_first"), (2, 3, 5, 4)),
    ("Conv3D", dict(filters=2, kernel_size=(2, 3, 2), strides=(1, 2, 2), padding="same"), (2, 3, 5, 4, 2)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2), (2, 4, 3)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=4, strides=3, padding="same"), (2, 3, 2)),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same"), (2, 3, 4, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1), (2, 3, 3, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=(2, 3), strides=(3, 2), output_padding=(1, 0)), (2, 2, 3, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"), (2, 4, 4, 1)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=4, strides=2, padding="same", use_bias=False), (2, 3, 4, 3)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2, padding="same"), (1, 2, 3, 2, 2)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, strides=2, padding="same"), (2, 5, 6, 3)),
    ("DepthwiseConv2D", dict(kernel_size=2, dilation_rate=2), (2, 5, 5, 2)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, depth_multiplier=2, padding="same"), (2, 5, 4, 3)),
    ("SeparableConv2D", dict(filters=2, kernel_size=2, strides=2, activation="sigmoid"), (2, 5, 5, 2)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2, padding="same"), (2, 6, 3)),
    ("SeparableConv1D", dict(filters=3, kernel_size=2, strides=2, depth_multiplier=2), (2, 7, 2)),
]


@pytest.mark.parametrize("class_name,kwargs,input_shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_conv_layer_matches_keras(class_name, kwargs, input_shape):
    check_parity(class_name, kwargs, input_shape)


def test_keras_saved_cnn_loads_with_the_same_predictions(tmp_path):
    import keras
    import numpy as np

    from engine import keras as ours

    L = keras.layers
    inputs = keras.Input((10, 10, 3))
    x = L.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(x)
    x = L.SeparableConv2D(5, 3, strides=2, padding="same")(x)
    x = L.MaxPooling2D()(x)
    x = L.ZeroPadding2D(1)(x)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    x = L.UpSampling2D(interpolation="bilinear")(x)
    x = L.Cropping2D(1)(x)
    x = L.AveragePooling2D(3, strides=2)(x)
    x = L.GlobalAveragePooling2D()(x)
    sequence = keras.Input((9, 2))
    y = L.Conv1D(4, 3, padding="causal", dilation_rate=2)(sequence)
    y = L.SeparableConv1D(3, 2)(y)
    y = L.MaxPooling1D(2, padding="same")(y)
    y = L.UpSampling1D(2)(y)
    y = L.Conv1DTranspose(2, 3, strides=2)(y)
    y = L.GlobalMaxPooling1D()(y)
    model = keras.Model([inputs, sequence], [x, y])
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(2, 10, 10, 3)).astype("float32"), rng.normal(size=(2, 9, 2)).astype("float32")]
    path = str(tmp_path / "cnn.keras")
    model.save(path)
    loaded = ours.models.load_model(path)
    for want, got in zip(model.predict(data, verbose=0), loaded.predict(data, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_our_saved_cnn_loads_in_keras(tmp_path):
    import keras
    import numpy as np

    from engine import keras as ours

    L = ours.layers
    inputs = ours.Input((8, 8, 2))
    x = L.Conv2D(3, 3, strides=2, padding="same", activation="tanh")(inputs)
    x = L.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1)(x)
    x = L.AveragePooling2D(2, padding="same")(x)
    x = L.SeparableConv2D(2, 2, depth_multiplier=2)(x)
    x = L.GlobalMaxPooling2D()(x)
    model = ours.Model(inputs, x)
    data = np.random.default_rng(1).normal(size=(2, 8, 8, 2)).astype("float32")
    path = str(tmp_path / "ours.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-4, atol=1e-5)
