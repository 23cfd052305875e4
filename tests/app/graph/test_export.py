"""Exported Python runs standalone, on our engine and on real Keras 3, with the same numbers."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from app.graph import MODEL_ID, GroupIntoBlock, SetLabel, SetSetting
from app.graph.compiler import compile_document
from app.graph.export import ExportError, export_python
from tests.app.graph.helpers import add, mlp_document, wire

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _guide_mlp():
    doc, ids = mlp_document(units=(32, 32, 1), input_dim=16)
    doc.apply(SetLabel(MODEL_ID, ids[1], "linear 1"))
    group = doc.apply(GroupIntoBlock(MODEL_ID, ids[1:4], "MLPBlock"))
    head = add(doc, "Dense", {"units": 3, "activation": "softmax"}, label="classifier")
    out = ids[-1]
    from app.graph import Disconnect

    doc.apply(Disconnect(MODEL_ID, [e.id for e in doc.edges_into(MODEL_ID, out)]))
    port = doc.output_ports(MODEL_ID, group.instance_id)[0].name
    wire(doc, group.instance_id, head, src_port=port)
    wire(doc, head, out)
    doc.apply(SetSetting("training", {"optimizer": "adam", "learning_rate": 0.01, "loss": "mse", "metrics": [],
                                      "epochs": 1, "batch_size": 16, "validation_split": 0.0}))
    assert doc.problems() == []
    return doc


def _load(source, tmp_path, name):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path


def _numpy(y):
    y = getattr(y, "data", y)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    return np.asarray(y)


def test_export_is_deterministic_and_reads_like_the_guide():
    doc = _guide_mlp()
    text = export_python(doc)
    assert text == export_python(doc)
    assert "from engine import keras, tf" in text
    assert "class MLPBlock(keras.layers.Layer):" in text
    assert 'self.linear_1 = keras.layers.Dense(32, activation="relu", name="linear_1")' in text
    assert "def call(self," in text and "keras.Model(inputs=" in text
    assert "model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=\"mse\")" in text
    compile(text, "exported", "exec")
    assert "import keras\n" in export_python(doc, target="keras")
    with pytest.raises(ExportError):
        export_python(doc, target="pytorch")


@pytest.mark.parametrize("style", ["functional", "subclass"])
def test_engine_export_same_params_and_outputs(style, tmp_path):
    doc = _guide_mlp()
    compiled = compile_document(doc)
    module, _ = _load(export_python(doc, "engine", style), tmp_path, f"exported_{style}")
    model = module.build_model()
    assert model.count_params() == compiled.model.count_params() == doc.total_params()
    model.set_weights(compiled.model.get_weights())
    x = np.random.default_rng(0).random((4, 16)).astype("float32")
    np.testing.assert_allclose(_numpy(model(x)), _numpy(compiled.model(x)), rtol=1e-5, atol=1e-6)


def test_engine_export_runs_standalone(tmp_path):
    doc = _guide_mlp()
    path = tmp_path / "model.py"
    path.write_text(export_python(doc))
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Total params: {doc.total_params():,}" in result.stdout and doc.total_params() == 1639


@pytest.mark.oracle
@pytest.mark.parametrize("style", ["functional", "subclass"])
def test_keras_export_runs_under_real_keras_with_same_outputs(style, tmp_path):
    import keras

    doc = _guide_mlp()
    compiled = compile_document(doc)
    module, path = _load(export_python(doc, "keras", style), tmp_path, f"keras_{style}")
    assert module.keras is keras
    model = module.build_model()
    assert model.count_params() == doc.total_params()
    model.set_weights(compiled.model.get_weights())
    x = np.random.default_rng(0).random((4, 16)).astype("float32")
    np.testing.assert_allclose(_numpy(model(x)), _numpy(compiled.model(x)), rtol=1e-4, atol=1e-5)
    trained = module.main()
    assert trained.count_params() == doc.total_params()


@pytest.mark.oracle
def test_keras_export_of_guide_logistic_endpoint(tmp_path):
    from app.graph import Document

    doc = Document()
    x = add(doc, "Input", {"shape": (3,), "name": "inputs"})
    t = add(doc, "Input", {"shape": (10,), "name": "targets"}, position=(0, 100))
    logits = add(doc, "Dense", {"units": 10})
    end = add(doc, "LogisticEndpoint", label="predictions")
    out = add(doc, "Output")
    wire(doc, x, logits)
    wire(doc, t, end, dst_port="targets")
    wire(doc, logits, end, dst_port="logits")
    wire(doc, end, out)
    doc.apply(SetSetting("training", {"optimizer": "adam", "epochs": 1, "batch_size": 8}))
    assert 'self.add_metric(acc, name="accuracy")' in export_python(doc, "engine")
    source = export_python(doc, "keras")
    assert 'keras.metrics.BinaryAccuracy(name="accuracy")' in source
    module, _ = _load(source, tmp_path, "keras_endpoint")
    model = module.main()
    assert model.count_params() == 40


def test_long_constructor_lines_wrap_and_unicode_labels_stay_readable(tmp_path):
    from app.graph import Document

    doc = Document()
    i = add(doc, "Input", {"shape": (6, 6, 1), "name": "image"})
    conv = add(doc, "Conv2D", {"filters": 4, "kernel_size": (3, 3), "padding": "same", "activation": "relu",
                               "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.001}}},
               label="第一层 conv")
    pool = add(doc, "MaxPooling2D", {"pool_size": (2, 2)})
    o = add(doc, "Output")
    wire(doc, i, conv)
    wire(doc, conv, pool)
    wire(doc, pool, o)
    doc.apply(GroupIntoBlock(MODEL_ID, [conv, pool], "ConvBlock"))
    text = export_python(doc)
    assert max(len(line) for line in text.splitlines()) <= 99
    assert 'name="第一层_conv"' in text and "self.max_pooling2d_1 = keras.layers.MaxPooling2D(" in text
    assert "def call(self, image):" in text
    module, _ = _load(text, tmp_path, "wrapped")
    model = module.build_model()
    assert model.count_params() == doc.total_params() == 3 * 3 * 4 + 4
