"""Keras operation nodes whose options Keras and the engine name differently (`reshape(x,
newshape)` / `reshape(a, shape)`, `transpose(x, axes)` / `transpose(a, perm)`, `clip(x, x_min,
x_max)` / `clip(a, lo, hi)`) import as Lambda expressions that build and compute what Keras does."""

import numpy as np
import pytest

from app.graph.compiler import compile_document
from app.graph.importer import import_keras
from app.graph.project import load_project, save_project


def _np(y):
    y = getattr(y, "data", y)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    return np.asarray(y)


@pytest.mark.oracle
def test_reshape_transpose_and_clip_operations_import(tmp_path):
    import keras

    inputs = keras.Input((6, 4))
    x = keras.ops.transpose(inputs, (0, 2, 1))
    x = keras.ops.reshape(x, (-1, 24))
    x = keras.ops.clip(keras.layers.Dense(5, name="dense")(x), -0.5, 0.25)
    model = keras.Model(inputs, x)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.save(tmp_path / "ops.keras")
    doc = import_keras(tmp_path / "ops.keras")
    assert doc.problems() == []
    save_project(doc, tmp_path / "ops.strata")
    probe = rng.normal(size=(3, 6, 4)).astype("float32")
    got = _np(compile_document(load_project(tmp_path / "ops.strata")).model.predict(probe, verbose=0))
    expected = _np(model.predict(probe, verbose=0))
    assert expected.min() == pytest.approx(-0.5) or expected.max() == pytest.approx(0.25)   # the clip bites
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.oracle
def test_slicing_and_ops_concatenate_load_and_import(tmp_path):
    """`x[:, 0]`, `x[..., 1:3]`, `x[:, ::2]` and `keras.ops.concatenate([a, b], axis=-1)`: the
    engine's load_model runs them and the importer makes Lambda and Concatenate nodes."""
    import keras

    from engine import keras as engine_keras

    inputs = keras.Input((6, 4))
    x = inputs / 255.0
    parts = [x[:, 0], keras.ops.mean(x[..., 1:3], axis=1), keras.ops.sum(x[:, ::2], axis=1)]
    joined = keras.ops.concatenate(parts, axis=-1)
    model = keras.Model(inputs, keras.layers.Dense(3, name="dense")(joined))
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.save(tmp_path / "slices.keras")
    probe = rng.normal(0, 255, size=(2, 6, 4)).astype("float32")
    expected = _np(model.predict(probe, verbose=0))
    loaded = engine_keras.models.load_model(tmp_path / "slices.keras")
    np.testing.assert_allclose(_np(loaded.predict(probe, verbose=0)), expected, rtol=1e-5, atol=1e-5)
    doc = import_keras(tmp_path / "slices.keras")
    assert doc.problems() == []
    expressions = {n.params.get("expression") for n in doc.model.nodes.values() if n.type == "Lambda"}
    assert {"x[:, 0]", "x[..., 1:3]", "x[:, ::2]"} <= expressions
    assert any(n.type == "Concatenate" for n in doc.model.nodes.values())
    np.testing.assert_allclose(_np(compile_document(doc).model.predict(probe, verbose=0)), expected,
                               rtol=1e-5, atol=1e-5)
