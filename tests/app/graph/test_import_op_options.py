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
