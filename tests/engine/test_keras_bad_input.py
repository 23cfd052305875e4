"""`.keras` files from real Keras that our engine cannot load give one clear error and write nothing.

Each error names the file, the layer and the class (or operation) at fault (issue 12).
"""

import os

import numpy as np
import pytest
import keras as real_keras

from engine import keras
from engine.saving.archive import CorruptFileError
from engine.saving.serialization import UnknownObjectError, UnsafeLoadError


@real_keras.saving.register_keras_serializable(package="Issue12")
class MyLayer(real_keras.layers.Layer):
    """A user's own layer: Strata does not have it."""

    def call(self, x):
        return x * 2.0


def _save(tmp_path, build, name="m.keras"):
    inputs = real_keras.Input((6,), name="x")
    model = real_keras.Model(inputs, build(real_keras.layers.Dense(6, name="dense")(inputs)))
    path = str(tmp_path / name)
    model.save(path)
    return path


def assert_load_refused(tmp_path, path, error, pattern):
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(error, match=pattern):
        keras.models.load_model(path)
    assert sorted(os.listdir(tmp_path)) == before, "a failed load wrote files"


def test_custom_class_is_refused_naming_file_layer_and_class(tmp_path):
    path = _save(tmp_path, lambda h: MyLayer(name="foo")(h))
    assert_load_refused(tmp_path, path, UnknownObjectError,
                r"m\.keras: Layer \"foo\" uses class 'MyLayer' \(module .*registered as 'Issue12>MyLayer'\)"
                r".*not built into Strata")


def test_keras_layer_strata_lacks_is_refused_naming_it(tmp_path):
    from engine.layers import builtin_layers

    # the first of these Keras layers that Strata does not provide
    missing = next(n for n in ("RMSNormalization", "AlphaDropout", "GaussianDropout") if n not in builtin_layers())
    extra = {"rate": 0.1} if missing.endswith("Dropout") else {}
    path = _save(tmp_path, lambda h: getattr(real_keras.layers, missing)(name="unit", **extra)(h))
    assert_load_refused(tmp_path, path, UnknownObjectError,
                rf"m\.keras: Layer \"unit\" uses class '{missing}' \(module 'keras.layers'\).*not built into")


def test_keras_operation_strata_lacks_is_refused_naming_it(tmp_path):
    path = _save(tmp_path, lambda h: real_keras.ops.sort(h))
    assert_load_refused(tmp_path, path, ValueError, r"m\.keras: layer \"sort(_\d+)?\" uses Keras operation 'Sort' \(keras\.src\.ops")


def test_keras_operation_with_options_loads_and_predicts_the_same(tmp_path):
    path = _save(tmp_path, lambda h: real_keras.ops.mean(real_keras.ops.expand_dims(h, 1), axis=1))
    model = keras.models.load_model(path)  # supported: axis is mapped
    x = np.random.default_rng(0).normal(size=(3, 6)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               real_keras.models.load_model(path).predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_lambda_from_keras_is_refused_in_safe_mode_naming_the_layer(tmp_path):
    path = _save(tmp_path, lambda h: real_keras.layers.Lambda(lambda t: t * 3.0, name="tripler")(h))
    assert_load_refused(tmp_path, path, UnsafeLoadError, r"m\.keras: .*\"tripler\".*safe_mode=False")


def test_truncated_keras_file_is_refused_naming_the_file(tmp_path):
    path = _save(tmp_path, lambda h: real_keras.layers.Dense(3, name="head")(h), name="cut.keras")
    data = open(path, "rb").read()
    with open(path, "wb") as handle:
        handle.write(data[: len(data) // 2])
    assert_load_refused(tmp_path, path, CorruptFileError, r"cut\.keras.*(truncated|not a zip)")
