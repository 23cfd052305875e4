"""A Keras export stands alone: it imports only numpy and keras (and os), reads the project's
data set from `NAME.npz` beside it and, with --with-weights, the trained weights from
`NAME.weights.h5`. It runs where importing `app` or `engine` raises, on Keras' torch backend,
trains, and with the weights predicts what the project predicts."""

import importlib.util
import json

import numpy as np
import pytest

from app.cli import main
from app.graph import MODEL_ID, GroupIntoBlock, SetSetting
from app.graph.compiler import compile_document
from app.graph.export import export_python
from app.graph.project import load_project, save_project
from tests.app.graph.helpers import mlp_document
from tests.app.graph.standalone import imported_modules, run_without_strata

pytestmark = pytest.mark.oracle
DATA = {"dataset": "xor", "params": {"samples": 96, "seed": 3}}


def _trained_project(tmp_path):
    """An MLP with a block on the xor data, trained one epoch in Strata and saved."""
    doc, ids = mlp_document(units=(8, 8, 2), input_dim=2)
    doc.apply(GroupIntoBlock(MODEL_ID, ids[1:3], "MLPBlock"))
    doc.apply(SetSetting("data", DATA))
    doc.apply(SetSetting("training", {"optimizer": "adam", "learning_rate": 0.05, "loss": "auto",
                                      "metrics": ["accuracy"], "epochs": 2, "batch_size": 16}))
    from app.data import fit_arrays, load_dataset

    compiled = compile_document(doc)
    x, y = fit_arrays(load_dataset(DATA), compiled.model)
    from engine import keras as engine_keras

    compiled.model.compile(optimizer="adam", loss=engine_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    compiled.model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    compiled.store_weights(doc)
    assert all(np.all(np.isfinite(w)) for _, values in doc.weights.entries.values() for w in values)
    path = tmp_path / "xor.strata"
    save_project(doc, path)
    probe = np.random.default_rng(0).uniform(-1, 1, (5, 2)).astype("float32")
    return path, probe, np.asarray(compile_document(load_project(path)).model.predict(probe, verbose=0))


def _export(project, folder, capsys, *options):
    folder.mkdir(exist_ok=True)
    code = folder / "model.py"
    assert main(["export", str(project), "-o", str(code), *options]) == 0, capsys.readouterr().err
    return code


def test_keras_export_with_weights_runs_without_strata_trains_and_predicts_like_the_project(tmp_path, capsys):
    project, probe, expected = _trained_project(tmp_path)
    code = _export(project, tmp_path / "export", capsys, "--target", "keras", "--with-weights")
    folder = code.parent
    assert sorted(p.name for p in folder.iterdir()) == ["model.npz", "model.py", "model.weights.h5"]
    source = code.read_text(encoding="utf-8")
    assert imported_modules(source) <= {"os", "numpy", "keras"} and "app." not in source
    assert "allow_pickle=False" in source
    with np.load(folder / "model.npz", allow_pickle=False) as data:
        assert sorted(data.files) == ["x", "y"] and data["x"].shape == (96, 2) and data["y"].shape == (96,)
        assert sorted(np.bincount(data["y"]).tolist()) == sorted(np.bincount(
            __import__("app.data", fromlist=["load_dataset"]).load_dataset(DATA).y).tolist())
    np.save(folder / "probe.npy", probe)
    (folder / "drive.py").write_text(
        "import json, sys\nimport numpy as np\nimport keras\nimport model\n"
        "assert 'app' not in sys.modules and 'engine' not in sys.modules\n"
        "y = np.asarray(model.load_trained_model().predict(np.load('probe.npy'), verbose=0))\n"
        "trained = model.main()\n"
        "print(json.dumps({'backend': keras.backend.backend(), 'y': y.tolist(),\n"
        "                  'loss': [float(v) for v in trained.history.history['loss']]}))\n"
        "import runpy\n"
        "runpy.run_path('model.py', run_name='__main__')   # as `python model.py` runs it\n", encoding="utf-8")
    result = run_without_strata(["drive.py"], tmp_path, cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(next(line for line in result.stdout.splitlines() if line.startswith('{"backend"')))
    assert report["backend"] == "torch"
    np.testing.assert_allclose(np.asarray(report["y"], dtype="float32"), expected, rtol=1e-5, atol=1e-6)
    assert len(report["loss"]) == 2 and all(np.isfinite(report["loss"]))
    assert result.stdout.count("Epoch 2/2") == 2         # main() and the script both trained two epochs


def test_the_exported_code_reads_its_data_file_and_names_it_when_missing(tmp_path, capsys):
    project, _, _ = _trained_project(tmp_path)
    code = _export(project, tmp_path / "export", capsys, "--target", "keras")
    assert not (code.parent / "model.weights.h5").exists()
    spec = importlib.util.spec_from_file_location("exported_without_weights", code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x, y = module.load_data()
    assert x.shape == (96, 2) and y.shape == (96,)
    (code.parent / "model.npz").unlink()
    with pytest.raises(FileNotFoundError, match="model.npz"):
        module.load_data()


@pytest.mark.parametrize("target, style", [("keras", "subclass"), ("engine", "functional"), ("engine", "subclass")])
def test_weights_load_in_every_target_and_style(target, style, tmp_path, capsys):
    project, probe, expected = _trained_project(tmp_path)
    code = _export(project, tmp_path / f"{target}_{style}", capsys, "--target", target, "--style", style,
                   "--with-weights")
    spec = importlib.util.spec_from_file_location(f"exported_{target}_{style}", code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load_trained_model()
    assert type(model).__module__.split(".")[0] == ("keras" if target == "keras" else "engine") or \
        type(model).__module__.startswith(f"exported_{target}")
    got = np.asarray(model.predict(probe, verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_preview_without_weights_has_no_weights_file_and_with_weights_loads_it():
    doc, _ = mlp_document(units=(2,), input_dim=2)
    plain = export_python(doc, "keras")
    assert "WEIGHTS_FILE" not in plain and "load_weights" not in plain and "import os" not in plain
    weighted = export_python(doc, "keras", weights=True)
    assert 'WEIGHTS_FILE = os.path.splitext(os.path.abspath(__file__))[0] + ".weights.h5"' in weighted
    assert "model = load_trained_model()" in weighted
    doc.apply(SetSetting("data", DATA))
    assert "np.load(DATA_FILE, allow_pickle=False)" in export_python(doc, "keras")
    assert "from app.data import" in export_python(doc, "engine")     # the engine target keeps Strata's data sets
