"""Embedding(mask_zero=True) models: Keras 3 writes the mask out as a `NotEqual(ids, 0)` operation
node passed as `mask=` to the layers downstream; the engine loads it and the importer leaves it to
the graph's own mask propagation (a text classifier from the Keras guides)."""

import numpy as np
import pytest

from app.graph.compiler import compile_document
from app.graph.importer import ImportError_, import_keras
from app.graph.project import load_project, save_project


def _np(y):
    y = getattr(y, "data", y)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    return np.asarray(y)


def _padded_ids():
    ids = np.random.default_rng(3).integers(1, 40, size=(4, 9)).astype("int32")
    ids[0, 5:] = 0
    ids[1, 2:] = 0      # padding the mask must hide
    ids[2, 7:] = 0
    return ids


def _text_model(keras, mask_zero=True):
    ids = keras.Input((9,), dtype="int32", name="ids")
    x = keras.layers.Embedding(40, 6, mask_zero=mask_zero, name="embed")(ids)
    x = keras.layers.LSTM(5, return_sequences=True, name="lstm")(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(3), name="bigru")(x)
    model = keras.Model(ids, keras.layers.Dense(2, name="head")(x))
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    return model


@pytest.fixture
def masked_file(tmp_path):
    import keras

    model = _text_model(keras)
    path = tmp_path / "text.keras"
    model.save(path)
    unmasked = _text_model(keras, mask_zero=False)
    unmasked.set_weights(model.get_weights())
    ids = _padded_ids()
    expected = _np(model.predict(ids, verbose=0))
    assert not np.allclose(expected, _np(unmasked.predict(ids, verbose=0)), atol=1e-3)   # the mask matters
    return path, ids, expected


@pytest.mark.oracle
def test_engine_load_model_applies_the_saved_mask(masked_file):
    from engine import keras as engine_keras

    path, ids, expected = masked_file
    model = engine_keras.models.load_model(path)
    np.testing.assert_allclose(_np(model.predict(ids, verbose=0)), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.oracle
def test_import_keeps_the_mask_through_a_project_round_trip(masked_file, tmp_path):
    path, ids, expected = masked_file
    doc = import_keras(path)
    assert doc.problems() == []
    assert not any(n.type == "Lambda" for n in doc.model.nodes.values())    # no stray NotEqual node
    save_project(doc, tmp_path / "text.strata")
    again = load_project(tmp_path / "text.strata")
    np.testing.assert_allclose(_np(compile_document(again).model.predict(ids, verbose=0)), expected,
                               rtol=1e-4, atol=1e-5)


@pytest.mark.oracle
def test_a_comparison_used_as_a_value_is_still_refused_by_name(tmp_path):
    import keras

    ids = keras.Input((5,), name="ids")
    flags = keras.ops.not_equal(ids, 0)
    model = keras.Model(ids, keras.layers.Dense(2)(keras.ops.cast(flags, "float32")))
    model.save(tmp_path / "flags.keras")
    with pytest.raises(ImportError_, match="not_equal"):
        import_keras(tmp_path / "flags.keras")


@pytest.mark.oracle
def test_a_masking_layer_loads_and_imports_with_its_mask(tmp_path):
    """Keras writes a Masking layer's mask as Any(NotEqual(x, mask_value), axis=-1)."""
    import keras

    from engine import keras as engine_keras

    def build(masked):
        inputs = keras.Input((7, 3))
        x = keras.layers.Masking(mask_value=-1.0, name="mask")(inputs) if masked else inputs
        x = keras.layers.LSTM(4, name="lstm")(x)
        return keras.Model(inputs, keras.layers.Dense(2, name="head")(x))

    model, plain = build(True), build(False)
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    plain.set_weights(model.get_weights())
    model.save(tmp_path / "masked.keras")
    series = rng.normal(size=(3, 7, 3)).astype("float32")
    series[0, 4:] = -1.0
    series[1, 1:] = -1.0        # padded steps the mask skips
    expected = _np(model.predict(series, verbose=0))
    assert not np.allclose(expected, _np(plain.predict(series, verbose=0)), atol=1e-3)
    loaded = engine_keras.models.load_model(tmp_path / "masked.keras")
    np.testing.assert_allclose(_np(loaded.predict(series, verbose=0)), expected, rtol=1e-4, atol=1e-5)
    doc = import_keras(tmp_path / "masked.keras")
    assert doc.problems() == [] and not any(n.type == "Lambda" for n in doc.model.nodes.values())
    np.testing.assert_allclose(_np(compile_document(doc).model.predict(series, verbose=0)), expected,
                               rtol=1e-4, atol=1e-5)
