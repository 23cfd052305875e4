"""check_layer and behaviour tests for the preprocessing layers (and ConvNeXt's LayerScale)."""

import numpy as np
import pytest

from engine import keras
from engine.autodiff import GradientTape, Tensor
from engine.layers import CATEGORIES
from tests.engine.gradcheck import ATOL, RTOL, numeric_grad
from tests.engine.layer_checks import check_layer

L = keras.layers
RNG = np.random.default_rng(11)
IMAGES = RNG.uniform(0, 255, size=(3, 6, 8, 2)).astype("float32")

CHECKS = [
    (L.Rescaling, {"scale": 0.5, "offset": -1.0}, (3, 4), 0),
    (L.Rescaling, {"scale": [1.0, 2.0, 3.0]}, (2, 4, 3), 0),
    (L.Normalization, {}, (3, 4), 3),
    (L.Normalization, {"axis": None, "mean": 1.0, "variance": 4.0}, (3, 4), 0),
    (L.Normalization, {"axis": [1, 2], "mean": [[1.0, 2.0], [3.0, 4.0]], "variance": [[1.0, 2.0], [3.0, 4.0]],
                       "invert": True}, (3, 2, 2), 0),
    (L.Resizing, {"height": 4, "width": 5}, (2, 3, 4, 2), 0),
    (L.Resizing, {"height": 5, "width": 2, "interpolation": "nearest"}, (2, 3, 4, 2), 0),
    (L.Resizing, {"height": 3, "width": 3, "crop_to_aspect_ratio": True}, (2, 3, 5, 1), 0),
    (L.Resizing, {"height": 3, "width": 3, "pad_to_aspect_ratio": True, "fill_value": 1.0}, (2, 3, 5, 1), 0),
    (L.CenterCrop, {"height": 2, "width": 3}, (2, 4, 5, 2), 0),
    (L.CenterCrop, {"height": 5, "width": 5}, (2, 3, 4, 1), 0),
    (L.RandomFlip, {"seed": 1}, (2, 3, 4, 2), 0),
    (L.RandomRotation, {"factor": 0.2, "seed": 1}, (2, 3, 4, 2), 0),
    (L.RandomZoom, {"height_factor": 0.2, "seed": 1}, (2, 3, 4, 2), 0),
    (L.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.1, "seed": 1}, (2, 3, 4, 2), 0),
    (L.RandomContrast, {"factor": 0.3, "seed": 1}, (2, 3, 4, 2), 0),
    (L.RandomBrightness, {"factor": 0.3, "seed": 1}, (2, 3, 4, 2), 0),
    (L.RandomBrightness, {"factor": (-0.2, 0.5), "value_range": (-1.0, 1.0)}, (2, 3, 4, 2), 0),
    (L.LayerScale, {"init_values": 0.1, "projection_dim": 4}, (2, 3, 4), 1),
]


@pytest.mark.parametrize("cls,kwargs,shape,num_weights", CHECKS, ids=[f"{c[0].__name__}-{i}" for i, c in
                                                                      enumerate(CHECKS)])
def test_check_layer(cls, kwargs, shape, num_weights):
    check_layer(cls, kwargs, shape, expected_num_weights=num_weights)


def test_preprocessing_layers_are_in_their_palette_category():
    for name in ("Rescaling", "Normalization", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
                 "RandomTranslation", "RandomContrast", "RandomCrop", "RandomBrightness"):
        assert CATEGORIES[name] == "Preprocessing"


# -- gradients of the random transforms in training (a fixed draw per check) -----------------------------
@pytest.mark.parametrize("cls,kwargs", [
    (L.RandomFlip, {"mode": "horizontal"}),
    (L.RandomRotation, {"factor": 0.3}),
    (L.RandomRotation, {"factor": 0.3, "fill_mode": "constant", "fill_value": 2.0}),
    (L.RandomZoom, {"height_factor": 0.4, "width_factor": (-0.3, 0.2), "fill_mode": "wrap"}),
    (L.RandomTranslation, {"height_factor": 0.3, "width_factor": 0.3, "fill_mode": "nearest"}),
    (L.RandomContrast, {"factor": 0.5, "value_range": (-10, 10)}),
    (L.RandomBrightness, {"factor": 0.3, "value_range": (-50, 50)}),
    (L.RandomCrop, {"height": 3, "width": 3}),
])
def test_training_transform_gradients_match_finite_differences(cls, kwargs):
    layer = cls(**kwargs, dtype="float64")
    layer._generator = lambda: np.random.default_rng(0)  # the same draw on every call (flips image 2 of 2)
    x = np.random.default_rng(2).normal(size=(2, 4, 5, 2))
    upstream = np.random.default_rng(3).normal(size=layer(x, training=True).shape)   # RandomCrop: smaller
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        out = layer(xt, training=True)
    assert out.shape != x.shape or not np.allclose(out.numpy(), x)
    grad = tape.gradient(out, [xt], output_gradients=upstream)[0]
    expected = numeric_grad(lambda t: layer(t, training=True), [x], 0, upstream)
    np.testing.assert_allclose(grad.numpy(), expected, atol=ATOL, rtol=RTOL)


# -- behaviour ------------------------------------------------------------------------------------------
RANDOM_LAYERS = [
    (L.RandomFlip, {}), (L.RandomRotation, {"factor": 0.4}), (L.RandomZoom, {"height_factor": 0.5}),
    (L.RandomTranslation, {"height_factor": 0.5, "width_factor": 0.5}), (L.RandomContrast, {"factor": 0.9}),
    (L.RandomBrightness, {"factor": 0.5}),
]


@pytest.mark.parametrize("cls,kwargs", RANDOM_LAYERS, ids=[c[0].__name__ for c in RANDOM_LAYERS])
def test_random_layer_is_identity_at_inference_and_changes_images_in_training(cls, kwargs):
    layer = cls(**kwargs, seed=0)
    np.testing.assert_array_equal(layer(IMAGES).numpy(), IMAGES)
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    trained = layer(IMAGES, training=True).numpy()
    assert trained.shape == IMAGES.shape and trained.dtype == IMAGES.dtype
    assert not np.allclose(trained, IMAGES)
    # outputs stay within the input's range (interpolation and contrast never overshoot here)
    assert trained.min() >= -1e-3 and trained.max() <= 255 + 1e-3
    # the same seed gives the same draws; the next call draws again
    again = cls(**kwargs, seed=0)
    np.testing.assert_array_equal(again(IMAGES, training=True).numpy(), trained)
    assert not np.allclose(again(IMAGES, training=True).numpy(), trained)


def test_random_layers_follow_the_global_seed_without_their_own():
    keras.utils.set_random_seed(9)
    first = L.RandomRotation(0.3)(IMAGES, training=True).numpy()
    keras.utils.set_random_seed(9)
    np.testing.assert_array_equal(L.RandomRotation(0.3)(IMAGES, training=True).numpy(), first)


@pytest.mark.parametrize("mode,flip", [("horizontal", lambda x: x[:, ::-1]), ("vertical", lambda x: x[::-1]),
                                       ("horizontal_and_vertical", lambda x: x[::-1, ::-1])])
def test_random_flip_is_an_exact_flip_of_about_half_the_images(mode, flip):
    images = np.random.default_rng(0).uniform(size=(200, 3, 4, 1)).astype("float32")
    out = L.RandomFlip(mode, seed=3)(images, training=True).numpy()
    flipped = 0
    for before, after in zip(images, out):
        if np.array_equal(after, before):
            continue
        np.testing.assert_array_equal(after, flip(before))
        flipped += 1
    assert 70 <= flipped <= 130  # Binomial(200, 1/2): outside this range with probability < 1e-4


@pytest.mark.parametrize("cls,kwargs", [
    (L.RandomRotation, {"factor": 0.0}), (L.RandomZoom, {"height_factor": 0.0}),
    (L.RandomTranslation, {"height_factor": 0.0, "width_factor": 0.0}), (L.RandomContrast, {"factor": 0.0}),
    (L.RandomBrightness, {"factor": 0.0}),
])
def test_zero_range_in_training_is_the_identity(cls, kwargs):
    np.testing.assert_allclose(cls(**kwargs, seed=1)(IMAGES, training=True).numpy(), IMAGES, rtol=1e-6, atol=1e-3)


def test_quarter_turn_and_integer_shift_are_exact():
    square = np.random.default_rng(1).normal(size=(1, 5, 5, 2)).astype("float32")
    turned = L.RandomRotation((0.25, 0.25), fill_mode="constant")(square, training=True).numpy()
    # positive turns are counter-clockwise, as in Keras
    np.testing.assert_allclose(turned[0], np.rot90(square[0], k=1), atol=1e-4)
    shifted = L.RandomTranslation((0.4, 0.4), (0.0, 0.0), fill_mode="constant", fill_value=-7.0)(
        square, training=True).numpy()
    np.testing.assert_allclose(shifted[0, 2:], square[0, :3], atol=1e-5)
    np.testing.assert_allclose(shifted[0, :2], -7.0)


def test_random_contrast_keeps_each_channel_mean_and_bounds():
    out = L.RandomContrast(0.8, seed=2)(IMAGES, training=True).numpy()
    assert out.min() >= 0 and out.max() <= 255
    low = L.RandomContrast((0.9, 0.0), value_range=(-1e9, 1e9), seed=2)(IMAGES, training=True).numpy()
    np.testing.assert_allclose(low.mean(axis=(1, 2)), IMAGES.mean(axis=(1, 2)), rtol=1e-4)
    assert np.all(low.std(axis=(1, 2)) <= IMAGES.std(axis=(1, 2)) * (1 + 1e-5))


def test_resizing_to_the_same_size_is_identity_and_nearest_upscale_repeats_pixels():
    np.testing.assert_allclose(L.Resizing(6, 8)(IMAGES).numpy(), IMAGES, rtol=1e-6)
    doubled = L.Resizing(12, 16, interpolation="nearest")(IMAGES).numpy()
    np.testing.assert_array_equal(doubled[:, ::2, ::2], IMAGES)
    np.testing.assert_array_equal(doubled[:, 1::2, 1::2], IMAGES)


def test_center_crop_takes_the_middle():
    np.testing.assert_array_equal(L.CenterCrop(2, 4)(IMAGES).numpy(), IMAGES[:, 2:4, 2:6])


def test_rescaling_turns_integer_pixels_into_floats():
    out = L.Rescaling(1 / 255)(np.array([[0, 51, 255]], dtype="uint8"))
    assert out.dtype == "float32"
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.2, 1.0]], rtol=1e-6)


# -- Normalization --------------------------------------------------------------------------------------
def test_normalization_adapt_sets_mean_and_variance_per_kept_axis_and_training_leaves_them():
    data = np.random.default_rng(4).normal(loc=[1.0, -2.0, 5.0], scale=[1.0, 3.0, 0.5], size=(500, 3))
    layer = L.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), data.var(axis=0), rtol=1e-5)
    out = layer(data.astype("float32")).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)
    assert layer.trainable_weights == [] and [w.name for w in layer.non_trainable_weights] == [
        "mean", "variance", "count"]
    inputs = keras.Input((3,))
    model = keras.Model(inputs, L.Dense(1)(layer(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(data.astype("float32"), np.ones((500, 1), "float32"), epochs=1, verbose=0)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.mean(axis=0), rtol=1e-5)


def test_normalization_adapt_on_batches_equals_adapt_on_the_whole_array():
    data = np.random.default_rng(5).normal(size=(37, 4, 2))
    whole, batched = L.Normalization(axis=(1, 2)), L.Normalization(axis=(1, 2))
    whole.adapt(data)
    batched.adapt(data, batch_size=8)
    other = L.Normalization(axis=(1, 2))
    other.adapt(iter([data[:10], (data[10:], None)]))
    for layer in (batched, other):
        np.testing.assert_allclose(layer.adapt_mean.numpy(), whole.adapt_mean.numpy(), rtol=1e-5)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), whole.adapt_variance.numpy(), rtol=1e-5)


def test_normalization_invert_undoes_normalization():
    data = np.random.default_rng(6).normal(3, 2, size=(20, 5)).astype("float32")
    forward, backward = L.Normalization(), L.Normalization(invert=True)
    forward.adapt(data)
    backward.adapt(data)
    np.testing.assert_allclose(backward(forward(data)).numpy(), data, rtol=1e-4, atol=1e-4)


def test_normalization_saves_adapted_statistics(tmp_path):
    data = np.random.default_rng(7).normal(2, 3, size=(30, 4)).astype("float32")
    layer = L.Normalization()
    layer.adapt(data)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layer(inputs))
    model.save(str(tmp_path / "n.keras"))
    loaded = keras.models.load_model(str(tmp_path / "n.keras"))
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("kwargs,shape,message", [
    ({"mean": 1.0}, (2, 3), "both mean and variance"),
    ({"mean": [1.0, 2.0], "variance": [1.0]}, (2, 3), "same shape"),
    ({"axis": 3}, (2, 3), "out of range"),
    ({"mean": [1.0, 2.0], "variance": [1.0, 1.0]}, (2, 3), "do not broadcast"),
])
def test_normalization_bad_arguments_are_clear_errors(kwargs, shape, message):
    with pytest.raises(ValueError, match=message):
        L.Normalization(**kwargs)(np.zeros(shape, "float32"))


def test_adapt_refuses_given_statistics_and_mismatched_data():
    with pytest.raises(ValueError, match="were given"):
        L.Normalization(mean=0.0, variance=1.0).adapt(np.zeros((2, 3)))
    layer = L.Normalization()
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="does not match"):
        layer.adapt(np.ones((4, 5)))


@pytest.mark.parametrize("cls,kwargs,message", [
    (L.Resizing, {"height": 0, "width": 3}, "height must be a positive int"),
    (L.Resizing, {"height": 2, "width": 3, "interpolation": "bicubic"}, "interpolation must be one of"),
    (L.RandomRotation, {"factor": 0.1, "fill_mode": "mirror"}, "fill_mode must be one of"),
    (L.RandomFlip, {"mode": "diagonal"}, "mode must be one of"),
    (L.RandomContrast, {"factor": 1.5}, "factor must be a number in"),
    (L.RandomTranslation, {"height_factor": 2.0, "width_factor": 0.1}, "height_factor must be"),
    (L.RandomBrightness, {"factor": 1.5}, "factor must be a number"),
    (L.RandomBrightness, {"factor": 0.1, "value_range": (1, 1)}, "value_range must be"),
    (L.RandomCrop, {"height": 0, "width": 3}, "height must be a positive int"),
    (L.RandomCrop, {"height": 2, "width": 3, "data_format": "channels_first"}, "data_format must be one of"),
])
def test_bad_image_layer_arguments_are_clear_errors(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_image_layers_name_themselves_on_non_image_inputs():
    with pytest.raises(ValueError, match='"resize_me" expects images'):
        L.Resizing(2, 2, name="resize_me")(np.zeros((2, 3), "float32"))


def test_augmentation_runs_in_fit_and_not_in_predict():
    inputs = keras.Input((4, 5, 1))
    flipped = L.RandomFlip("horizontal", seed=0)(inputs)
    model = keras.Model(inputs, flipped)
    x = np.arange(3 * 20, dtype="float32").reshape(3, 4, 5, 1)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    out = model(x, training=True).numpy()
    assert any(np.array_equal(o, xi[:, ::-1]) and not np.array_equal(o, xi) for o, xi in zip(out, x))


# -- RandomBrightness and RandomCrop ----------------------------------------------------------------------
def test_random_brightness_adds_one_shift_per_image_scaled_by_the_value_range_and_clips():
    images = np.random.default_rng(8).uniform(0.2, 0.8, size=(400, 3, 4, 2)).astype("float32")
    out = L.RandomBrightness((-0.1, 0.15), value_range=(0, 1), seed=4)(images, training=True).numpy()
    shifts = (out - images).reshape(len(images), -1)
    np.testing.assert_allclose(shifts, shifts[:, :1] * np.ones_like(shifts), atol=1e-6)   # one d per image
    d = shifts[:, 0]
    assert d.min() >= -0.1 - 1e-6 and d.max() <= 0.15 + 1e-6
    assert abs(d.mean() - 0.025) < 0.01      # Uniform(-0.1, 0.15): mean 0.025, sd of the mean 0.0036
    bright = L.RandomBrightness((1.0, 1.0), value_range=(0, 255))(IMAGES, training=True).numpy()
    np.testing.assert_array_equal(bright, np.full_like(IMAGES, 255.0))   # + 255, clipped to the range


def test_random_crop_takes_a_window_at_inference_passes_through_and_covers_every_offset():
    images = np.arange(2 * 7 * 9 * 1, dtype="float32").reshape(2, 7, 9, 1)
    layer = L.RandomCrop(4, 5, seed=3)
    np.testing.assert_array_equal(layer(images).numpy(), images)          # Keras 3: identity at inference
    assert layer.compute_output_shape((None, 7, 9, 1)) == (None, 4, 5, 1)
    seen = set()
    for _ in range(300):
        out = layer(images, training=True).numpy()
        assert out.shape == (2, 4, 5, 1)
        top, left = divmod(int(out[0, 0, 0, 0]), 9)
        np.testing.assert_array_equal(out, images[:, top:top + 4, left:left + 5])   # one window for the batch
        seen.add((top, left))
    assert seen == {(t, w) for t in range(4) for w in range(5)}


def test_random_crop_of_a_small_image_resizes_the_window_keras_takes():
    small = IMAGES[:, :4, :4]                 # 4 x 4 -> 6 x 3: box 4 x 2 from column 1, window [0:6, 1:4]
    out = L.RandomCrop(6, 3)(small, training=True).numpy()
    np.testing.assert_allclose(out, L.Resizing(6, 3)(small[:, :, 1:4]).numpy(), rtol=1e-6)


def test_random_crop_config_save_and_gradient_on_the_resize_path(tmp_path):
    from tests.engine.layer_checks import check_layer_gradients

    layer = L.RandomCrop(3, 2, seed=5, name="crop")
    config = layer.get_config()
    assert {k: config[k] for k in ("height", "width", "seed", "data_format")} == {
        "height": 3, "width": 2, "seed": 5, "data_format": "channels_last"}
    assert L.RandomCrop.from_config(config).get_config() == config
    inputs = keras.Input((6, 8, 2))
    model = keras.Model(inputs, L.GlobalAveragePooling2D()(layer(inputs)))
    model.save(str(tmp_path / "crop.keras"))
    loaded = keras.models.load_model(str(tmp_path / "crop.keras"))
    np.testing.assert_allclose(loaded.predict(IMAGES, verbose=0), model.predict(IMAGES, verbose=0), rtol=1e-6)
    assert loaded.get_layer("crop").get_config() == config
    # a target larger than the input takes the deterministic centre-crop-and-resize path
    check_layer_gradients(L.RandomCrop, {"height": 5, "width": 3}, np.random.default_rng(1).normal(size=(2, 3, 4, 2)),
                          training=True)
