"""A real Keras 3 model with augmentation layers, loaded by the engine: Keras records
`training=True` in each augmentation call of the saved config; as in Keras, the model's mode
(predict, evaluate, `training=False`) overrides it, so inference is the identity."""

import numpy as np
import pytest

from engine import keras

IMAGES = np.random.default_rng(1).uniform(0, 255, size=(2, 12, 12, 3)).astype("float32")


def _augmentations(layers):
    return [layers.RandomFlip(), layers.RandomRotation(0.2), layers.RandomZoom(0.2),
            layers.RandomTranslation(0.2, 0.2), layers.RandomContrast(0.5)]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    import keras as real_keras

    inputs = real_keras.Input((12, 12, 3))
    x = inputs
    for layer in _augmentations(real_keras.layers):
        x = layer(x)
    path = tmp_path_factory.mktemp("augment") / "augment.keras"
    real_keras.Model(inputs, x).save(path)
    return path


@pytest.mark.oracle
def test_augmentation_is_the_identity_at_inference(saved):
    model = keras.models.load_model(saved)
    assert [type(layer).__name__ for layer in model.layers[1:]] == [
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast"]
    np.testing.assert_array_equal(np.asarray(model.predict(IMAGES, verbose=0)), IMAGES)
    np.testing.assert_array_equal(np.asarray(model(IMAGES, training=False)), IMAGES)


@pytest.mark.oracle
def test_augmentation_still_applies_while_training(saved):
    model = keras.models.load_model(saved)
    assert not np.allclose(np.asarray(model(IMAGES, training=True)), IMAGES)


def test_random_contrast_takes_keras_data_format():
    layer = keras.layers.RandomContrast(0.3, data_format="channels_last")
    assert layer.get_config()["data_format"] == "channels_last"
    with pytest.raises(ValueError, match="data_format"):
        keras.layers.RandomContrast(0.3, data_format="channels_first")
