"""Preprocessing layers against Keras 3 (torch backend): same config, same weights, same numbers."""

import numpy as np
import pytest

from tests.engine.parity.keras_oracle import assert_layer_matches_keras, keras, ours
from engine.layers.preprocessing._image import affine_table, reshape_images, sample

RNG = np.random.default_rng(7)
IMAGES = RNG.uniform(0, 255, size=(2, 7, 9, 3)).astype("float32")
FEATURES = RNG.normal(size=(4, 3, 5)).astype("float32")

CASES = [
    ("Rescaling", {"scale": 1 / 127.5, "offset": -1.0}, IMAGES),
    ("Rescaling", {"scale": [0.5, 2.0, -1.0], "offset": [0.0, 1.0, 2.0]}, IMAGES),
    ("Normalization", {"axis": -1}, FEATURES),
    ("Normalization", {"axis": (1, 2)}, FEATURES),
    ("Normalization", {"axis": -1, "mean": [1.0, 2.0, 3.0, 4.0, 5.0], "variance": [1.0, 4.0, 0.5, 2.0, 9.0]},
     FEATURES),
    ("Normalization", {"axis": None, "mean": 3.0, "variance": 4.0, "invert": True}, FEATURES),
    ("Normalization", {"axis": [1], "mean": [1.0, -1.0, 0.5], "variance": [2.0, 1.0, 0.25]}, FEATURES),
    ("Resizing", {"height": 4, "width": 5}, IMAGES),
    ("Resizing", {"height": 11, "width": 13}, IMAGES),
    ("Resizing", {"height": 4, "width": 14, "interpolation": "nearest"}, IMAGES),
    ("Resizing", {"height": 13, "width": 5, "interpolation": "nearest"}, IMAGES),
    ("Resizing", {"height": 5, "width": 5, "crop_to_aspect_ratio": True}, IMAGES),
    ("Resizing", {"height": 6, "width": 3, "crop_to_aspect_ratio": True}, IMAGES),
    ("Resizing", {"height": 5, "width": 5, "pad_to_aspect_ratio": True, "fill_value": 3.0}, IMAGES),
    ("CenterCrop", {"height": 4, "width": 6}, IMAGES),
    ("CenterCrop", {"height": 3, "width": 3}, IMAGES),
    ("CenterCrop", {"height": 10, "width": 12}, IMAGES),
    # a pair with equal ends draws a fixed transform in both engines: training=True is comparable
    ("RandomRotation", {"factor": (0.1, 0.1)}, IMAGES),
    ("RandomRotation", {"factor": (-0.3, -0.3), "fill_mode": "constant", "fill_value": 7.0}, IMAGES),
    ("RandomRotation", {"factor": (0.2, 0.2), "fill_mode": "wrap", "interpolation": "nearest"}, IMAGES),
    ("RandomZoom", {"height_factor": (0.4, 0.4)}, IMAGES),
    ("RandomZoom", {"height_factor": (-0.3, -0.3), "width_factor": (0.2, 0.2), "fill_mode": "nearest"}, IMAGES),
    ("RandomTranslation", {"height_factor": (0.2, 0.2), "width_factor": (-0.3, -0.3)}, IMAGES),
    ("RandomTranslation", {"height_factor": (-0.15, -0.15), "width_factor": (0.25, 0.25), "fill_mode": "wrap"},
     IMAGES),
    ("RandomFlip", {"mode": "horizontal"}, IMAGES),       # inference only: identity in both
    ("RandomContrast", {"factor": 0.5}, IMAGES),          # inference only: identity in both
    # a pair with equal ends is a fixed shift (clipped to value_range): training=True is comparable
    ("RandomBrightness", {"factor": (0.3, 0.3)}, IMAGES),
    ("RandomBrightness", {"factor": (-0.2, -0.2), "value_range": (-1.0, 300.0)}, IMAGES),
    # not larger than the image in both sizes: a deterministic centre crop and resize in training
    ("RandomCrop", {"height": 7, "width": 4}, IMAGES),
    ("RandomCrop", {"height": 10, "width": 5}, IMAGES),
    ("RandomCrop", {"height": 3, "width": 5}, IMAGES),     # inference only: identity in both
    ("UnitNormalization", {}, FEATURES),
    ("UnitNormalization", {"axis": [1, 2]}, FEATURES),
]


@pytest.mark.parametrize("name,kwargs,x", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_preprocessing_layer_matches_keras(name, kwargs, x):
    random_inference_only = name in ("RandomFlip", "RandomContrast") or (
        name == "RandomCrop" and kwargs["height"] < x.shape[1] and kwargs["width"] < x.shape[2])
    modes = (False,) if random_inference_only or name == "RandomBrightness" else (False, True)
    assert_layer_matches_keras(getattr(ours.layers, name), getattr(keras.layers, name), kwargs, x,
                               training_modes=modes, rtol=1e-4, atol=1e-3)
    if name == "RandomBrightness":   # Keras adds in place, which torch refuses on inputs that need a gradient
        np.testing.assert_allclose(ours.layers.RandomBrightness(**kwargs)(x, training=True).numpy(),
                                   np.asarray(keras.layers.RandomBrightness(**kwargs)(x, training=True)),
                                   rtol=1e-5, atol=1e-4)


def test_layer_scale_matches_keras_convnext_layer_scale():
    from keras.src.applications.convnext import LayerScale

    assert_layer_matches_keras(ours.layers.LayerScale, LayerScale, {"init_values": 0.5, "projection_dim": 5},
                               FEATURES)


def test_normalization_adapt_matches_keras():
    data = RNG.normal(loc=3.0, scale=2.0, size=(50, 4, 3)).astype("float32")
    for axis in (-1, (1, 2), None):
        mine, theirs = ours.layers.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
        mine.adapt(data)
        theirs.adapt(data)
        for a, b in zip(mine.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(mine(data).numpy(), np.asarray(theirs(data)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_sampling_matches_keras_affine_transform(fill_mode, interpolation):
    rng = np.random.default_rng(3)
    matrices = np.concatenate([rng.normal(size=(2, 6)) * [0.4, 0.4, 3, 0.4, 0.4, 3] + [1, 0, 0, 0, 1, 0],
                               np.zeros((2, 2))], axis=1)
    n, h, w, _ = IMAGES.shape
    index, weight, constant = affine_table(matrices, h, w, interpolation, fill_mode, 5.0)
    got = reshape_images(sample(IMAGES, index, weight, constant), n, h, w).numpy()
    want = keras.ops.image.affine_transform(IMAGES, matrices.astype("float32"), interpolation=interpolation,
                                            fill_mode=fill_mode, fill_value=5.0)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-4, atol=1e-2)


def test_rescaling_with_array_scale_saved_by_keras_loads(tmp_path):
    inputs = keras.Input((7, 9, 3))
    model = keras.Model(inputs, keras.layers.Rescaling(np.array([0.5, 1.5, 2.0], "float32"), offset=-1.0)(inputs))
    path = str(tmp_path / "rescale.keras")
    model.save(path)
    np.testing.assert_allclose(ours.models.load_model(path).predict(IMAGES, verbose=0),
                               np.asarray(model.predict(IMAGES, verbose=0)), rtol=1e-6)


def test_random_crop_and_brightness_statistics_match_keras_in_training():
    """Random streams differ, so compare what the draws produce: RandomCrop returns a window of
    the input in both; RandomBrightness shifts each image by one amount within factor * range."""
    images = RNG.uniform(0, 1, size=(64, 7, 9, 1)).astype("float32")
    for layer in (ours.layers.RandomCrop(4, 5, seed=1), keras.layers.RandomCrop(4, 5, seed=1)):
        out = np.asarray(layer(images, training=True))
        assert out.shape == (64, 4, 5, 1)
        windows = [images[:, t:t + 4, w:w + 5] for t in range(4) for w in range(5)]
        assert any(np.array_equal(out, window) for window in windows)
    shifts = {}
    for name, layer in (("ours", ours.layers.RandomBrightness((-0.1, 0.2), value_range=(-5, 5), seed=1)),
                        ("keras", keras.layers.RandomBrightness((-0.1, 0.2), value_range=(-5, 5), seed=1))):
        out = np.asarray(layer(images, training=True))
        delta = (out - images).reshape(64, -1)
        np.testing.assert_allclose(delta, delta[:, :1] * np.ones_like(delta), atol=1e-5)
        shifts[name] = delta[:, 0]
        assert shifts[name].min() >= -1.0 - 1e-5 and shifts[name].max() <= 2.0 + 1e-5   # factor * (max - min)
    assert abs(shifts["ours"].mean() - shifts["keras"].mean()) < 0.5   # both Uniform(-1, 2): mean 0.5, sd 0.11


def test_keras_saved_unit_normalization_random_crop_and_brightness_load_and_predict(tmp_path):
    inputs = keras.Input((7, 9, 3))
    x = keras.layers.RandomBrightness(0.2, value_range=(0, 255), name="bright")(inputs)
    x = keras.layers.RandomCrop(5, 6, name="crop")(x)
    x = keras.layers.Conv2D(4, 3, name="conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.UnitNormalization(name="unit")(keras.layers.Dense(5, name="head")(x))
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "aug.keras")
    model.save(path)
    loaded = ours.models.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers[1:3]] == ["RandomBrightness", "RandomCrop"]
    assert loaded.get_layer("crop").seed == model.get_layer("crop").seed
    assert loaded.get_layer("bright").get_config()["factor"] == [-0.2, 0.2]
    np.testing.assert_allclose(loaded.predict(IMAGES, verbose=0), np.asarray(model.predict(IMAGES, verbose=0)),
                               rtol=1e-4, atol=1e-5)
    trained = loaded(IMAGES, training=True).numpy()
    assert trained.shape == (2, 5) and np.allclose(np.linalg.norm(trained, axis=-1), 1.0, rtol=1e-5)
