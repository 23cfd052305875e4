"""The preprocessing layers of the Keras guides through the graph: a real Keras model with
Rescaling, an adapted Normalization, Resizing, CenterCrop and the training-only Random* layers
imports, saves, reopens and predicts what Keras predicts (the random layers pass inference
inputs through), and its Keras export builds the same model."""

import importlib.util

import numpy as np
import pytest

from app.cli import main
from app.graph.compiler import compile_document
from app.graph.export_files import write_export
from app.graph.project import load_project

pytestmark = pytest.mark.oracle


def _keras_model():
    import keras

    rng = np.random.default_rng(5)
    inputs = keras.Input(shape=(12, 10, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="rescale")(inputs)
    x = keras.layers.RandomFlip("horizontal", name="flip")(x)
    x = keras.layers.RandomRotation(0.1, name="rotate")(x)
    x = keras.layers.RandomZoom(0.2, name="zoom")(x)
    x = keras.layers.RandomTranslation(0.1, 0.1, name="shift")(x)
    x = keras.layers.RandomContrast(0.3, name="contrast")(x)
    x = keras.layers.Resizing(8, 8, name="resize")(x)
    x = keras.layers.CenterCrop(6, 6, name="crop")(x)
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(rng.normal(0.5, 2.0, (32, 6, 6, 3)).astype("float32"))
    x = norm(x)
    x = keras.layers.Conv2D(4, 3, name="conv")(x)
    outputs = keras.layers.Dense(3, name="head")(keras.layers.Flatten(name="flat")(x))
    return keras.Model(inputs, outputs), rng.uniform(0, 255, (2, 12, 10, 3)).astype("float32")


def test_preprocessing_layers_import_reopen_and_export(tmp_path, capsys):
    model, x = _keras_model()
    expected = np.asarray(model.predict(x, verbose=0))
    path = tmp_path / "pre.keras"
    model.save(path)
    project = tmp_path / "pre.strata"
    assert main(["import", str(path), "-o", str(project)]) == 0, capsys.readouterr().err
    doc = load_project(project)
    assert doc.problems() == []
    types = {n.type for n in doc.model.nodes.values()}
    assert {"Rescaling", "Normalization", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
            "RandomTranslation", "RandomContrast"} <= types
    got = np.asarray(compile_document(doc).model.predict(x, verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)

    code = tmp_path / "pre_export.py"
    write_export(doc, code, "keras", weights=True)
    spec = importlib.util.spec_from_file_location("pre_export", code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    again = np.asarray(module.load_trained_model().predict(x, verbose=0))
    np.testing.assert_allclose(again, expected, rtol=1e-5, atol=1e-5)
