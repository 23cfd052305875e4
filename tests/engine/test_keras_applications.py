"""`keras.models.load_model` in our engine on every `keras.applications` architecture (issue 12).

The models come from the shared corpus (tests/keras_apps.py), built once per session by real
Keras 3 on the torch backend. The numeric tier loads each `.keras` file and predicts Keras'
numbers; the structural tier checks that each bigger variant is made only of what its
numerically tested sibling is made of, and that every one of its layers is rebuilt here.
"""

import numpy as np
import pytest

from engine import keras
from tests import keras_apps


@pytest.mark.parametrize("name", keras_apps.NUMERIC)
def test_engine_load_model_predicts_what_keras_predicts(name, keras_app):
    path, x, expected = keras_app(name)
    model = keras.models.load_model(path)
    got = model.predict(x, verbose=0)
    assert got.shape == expected.shape == (keras_apps.BATCH, keras_apps.NUM_CLASSES)
    # the two samples differ, so a model that ignores its input cannot pass
    assert not np.allclose(expected[0], expected[1], rtol=1e-3)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4 * float(np.abs(expected).max()),
                               err_msg=f"{name}: engine prediction differs from Keras'")


@pytest.mark.parametrize("name", keras_apps.STRUCTURAL)
def test_bigger_variant_uses_only_what_its_tested_sibling_uses(name, keras_app):
    from engine.saving.keras_ops import PendingOperation, is_keras_operation
    from engine.saving.serialization import deserialize_keras_object, sharing_scope

    config = keras_apps.build_config(name)
    sibling = keras_apps.SIBLING[name]
    assert sibling in keras_apps.NUMERIC
    sibling_config = keras_apps.keras_file_config(keras_app(sibling).path)
    extra = keras_apps.layer_signatures(config) - keras_apps.layer_signatures(sibling_config)
    assert not extra, f"{name} has layers {sibling} does not have: {sorted(e[:2] for e in extra)}"
    # Every layer (without its weights) and operation node of the variant is rebuilt by our engine.
    built = 0
    with sharing_scope():
        for layer_data in config["config"]["layers"]:
            if is_keras_operation(layer_data):
                PendingOperation(layer_data)
            else:
                layer = deserialize_keras_object({k: v for k, v in layer_data.items() if k != "build_config"})
                assert layer.name == layer_data["config"]["name"]
            built += 1
    assert built == len(config["config"]["layers"]) > 100


def test_layer_signatures_tell_families_apart(keras_app):
    convnext = keras_apps.layer_signatures(keras_apps.keras_file_config(keras_app("ConvNeXtTiny").path))
    resnet = keras_apps.layer_signatures(keras_apps.keras_file_config(keras_app("ResNet50").path))
    assert {"LayerScale", "LayerNormalization", "Normalization"} <= {sig[1] for sig in convnext - resnet}
    assert {"BatchNormalization", "ZeroPadding2D"} <= {sig[1] for sig in resnet - convnext}


@pytest.mark.parametrize("name", ["MobileNetV3Small", "ConvNeXtTiny"])
def test_engine_saves_a_loaded_application_that_real_keras_reads_back(name, keras_app, tmp_path):
    """Operation nodes (`x + 3.0`), Rescaling, Normalization and LayerScale are written as Keras writes them."""
    import keras as real_keras

    path, x, expected = keras_app(name)
    saved = str(tmp_path / f"{name}_again.keras")
    keras.models.load_model(path).save(saved)
    config = keras_apps.keras_file_config(saved)
    modules = {(layer.get("module"), layer["class_name"]) for layer in config["config"]["layers"]}
    assert not any(str(module).startswith("engine") for module, _ in modules), modules
    again = real_keras.models.load_model(saved)
    np.testing.assert_allclose(np.asarray(again.predict(x, verbose=0)), expected, rtol=1e-3,
                               atol=1e-4 * float(np.abs(expected).max()))
