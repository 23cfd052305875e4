"""Import of real Keras 3 .keras files, and the `strata` command line."""

import json
import sys
import types
import zipfile

import numpy as np
import pytest

from app.cli import main
from app.graph import MODEL_ID, SetSetting
from app.graph.compiler import compile_document
from app.graph.importer import ImportError_, import_keras
from app.graph.project import load_project, save_project
from tests.app.graph.helpers import mlp_document


def _np(y):
    y = getattr(y, "data", y)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    return np.asarray(y)


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_real_keras_file_opens_with_weights(kind, tmp_path):
    import keras

    if kind == "functional":
        inp = keras.Input(shape=(4,), name="features")
        hidden = keras.layers.Dense(5, activation="tanh", name="hidden")(inp)
        out = keras.layers.Dense(2, name="head", kernel_regularizer=keras.regularizers.L2(0.01))(hidden)
        model = keras.Model(inp, out)
    else:
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(5, activation="relu"),
                                  keras.layers.Dense(3)])
    path = tmp_path / "m.keras"
    model.save(path)
    doc = import_keras(path)
    assert doc.problems() == []
    assert doc.total_params() == model.count_params()
    xs = [n.position[0] for n in sorted(doc.model.nodes.values(), key=lambda n: n.position[0])]
    assert xs == sorted(set(xs)) and len(xs) == 4           # one column per layer, left to right
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    ours = compile_document(doc).model
    np.testing.assert_allclose(_np(ours(x)), _np(model(x)), rtol=1e-5, atol=1e-6)
    if kind == "functional":
        labels = {n.label for n in doc.model.nodes.values()}
        assert {"features", "hidden", "head"} <= labels


def test_import_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"nope")
    with pytest.raises(ImportError_, match="bad.keras: not a .keras archive"):
        import_keras(bad)
    custom = tmp_path / "custom.keras"
    with zipfile.ZipFile(custom, "w") as z:
        z.writestr("config.json", json.dumps({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "MyLayer", "config": {"name": "mine"}, "inbound_nodes": []}]}}))
    with pytest.raises(ImportError_, match="'mine' is an instance of the custom class 'MyLayer'"):
        import_keras(custom)


def _project(tmp_path, data=True):
    doc, ids = mlp_document(units=(6, 2), input_dim=2)
    doc.apply(SetSetting("training", {"optimizer": "adam", "learning_rate": 0.05, "loss": "auto",
                                      "metrics": ["accuracy"], "epochs": 2, "batch_size": 8}))
    if data:
        doc.apply(SetSetting("data", {"dataset": "fake_xor", "params": {"n": 32}}))
    path = tmp_path / "p.strata"
    save_project(doc, path)
    return path, doc


@pytest.fixture
def fake_data(monkeypatch):
    """An app.data with load_dataset, as the dashboard provides it."""
    module = types.ModuleType("app.data")

    class Dataset:
        def __init__(self, x, y):
            self.x, self.y, self.task = x, y, "classification"

    def load_dataset(spec):
        if spec["dataset"] != "fake_xor":
            raise ValueError(f"unknown data set {spec['dataset']!r}")
        rng = np.random.default_rng(0)
        x = rng.random((spec["params"]["n"], 2)).astype("float32")
        return Dataset(x, (x[:, 0] > x[:, 1]).astype("int64"))

    module.load_dataset = load_dataset
    monkeypatch.setitem(sys.modules, "app.data", module)
    import app

    # `import app.data` reads the package attribute once the real module has been imported
    monkeypatch.setattr(app, "data", module, raising=False)
    return module


def test_cli_validate_summary_export(tmp_path, capsys):
    path, doc = _project(tmp_path, data=False)     # a Keras export writes the data set: see test_standalone_export
    assert main(["validate", str(path)]) == 0
    assert "no problems" in capsys.readouterr().out
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Total params: {doc.total_params():,}" in out
    target = tmp_path / "model.py"
    assert main(["export", str(path), "--target", "keras", "-o", str(target)]) == 0
    assert "import keras" in target.read_text()
    broken_doc = load_project(path)
    first_dense = next(n for n in broken_doc.model.nodes.values() if n.type == "Dense")
    first_dense.params["units"] = -1
    save_project(broken_doc, path)
    capsys.readouterr()
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "[invalid_parameter]" in out and first_dense.label in out
    assert main(["summary", str(path)]) == 1


def test_cli_user_mistakes_have_no_traceback(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing.strata")]) == 1
    err = capsys.readouterr().err
    assert "missing.strata" in err and "Traceback" not in err
    (tmp_path / "junk.strata").write_text("junk")
    assert main(["summary", str(tmp_path / "junk.strata")]) == 1
    assert "not a zip" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "junk.strata"), "-o", str(tmp_path / "x.strata")]) == 1
    assert not (tmp_path / "x.strata").exists()
    capsys.readouterr()
    assert main(["export", str(tmp_path / "junk.strata"), "--target", "pytorch", "-o", "x.py"]) == 2
    assert capsys.readouterr().err.startswith("strata: error: argument --target: invalid choice: 'pytorch'")


def test_cli_train_logs_json_and_saves_weights(tmp_path, capsys, fake_data):
    path, doc = _project(tmp_path)
    log = tmp_path / "log.jsonl"
    before = load_project(path).weights.entries
    original = path.read_bytes()
    assert main(["train", str(path), "--epochs", "2", "--log-json", str(log)]) == 0
    assert "p-trained.strata" in capsys.readouterr().err
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 2]
    assert all("loss" in r and "accuracy" in r for r in lines)
    assert path.read_bytes() == original  # the input is not rewritten
    output = tmp_path / "p-trained.strata"
    trained = load_project(output)
    assert set(trained.weights.entries) == {n.id for n in trained.model.nodes.values() if n.type == "Dense"}
    assert before == {}
    assert trained.history[-1]["epoch"] == [1, 2]
    assert not (tmp_path / "p.strata.bak").exists()


def test_cli_train_never_overwrites_without_asking(tmp_path, capsys, fake_data):
    path, _ = _project(tmp_path)
    original = path.read_bytes()
    output = tmp_path / "p-trained.strata"
    output.write_bytes(b"the user's own file")
    assert main(["train", str(path), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and str(output) in err and "Traceback" not in err
    assert output.read_bytes() == b"the user's own file" and path.read_bytes() == original
    assert main(["train", str(path), "--epochs", "1", "--force"]) == 0
    assert load_project(output).weights.entries
    assert (tmp_path / "p-trained.strata.bak").read_bytes() == b"the user's own file"
    elsewhere = tmp_path / "out" / "chosen.strata"
    elsewhere.parent.mkdir()
    assert main(["train", str(path), "--epochs", "1", "-o", str(elsewhere)]) == 0
    assert load_project(elsewhere).weights.entries and path.read_bytes() == original
    assert main(["train", str(path), "--epochs", "1", "--in-place"]) == 0
    assert load_project(path).weights.entries
    assert (tmp_path / "p.strata.bak").read_bytes() == original


def test_cli_train_refuses_to_write_into_the_installed_examples(tmp_path, capsys, fake_data):
    from app.graph.project import TRUSTED_DIRECTORIES

    example = sorted(TRUSTED_DIRECTORIES[0].glob("*.strata"))[0]
    before = {p.name: p.read_bytes() for p in TRUSTED_DIRECTORIES[0].iterdir() if p.is_file()}
    for extra in ([], ["--in-place"], ["-o", str(TRUSTED_DIRECTORIES[0] / "mine.strata")]):
        assert main(["train", str(example), "--epochs", "1", *extra]) == 2
        err = capsys.readouterr().err
        assert "installed examples" in err and "--output" in err and "Traceback" not in err
    after = {p.name: p.read_bytes() for p in TRUSTED_DIRECTORIES[0].iterdir() if p.is_file()}
    assert after == before


def test_cli_train_without_data_is_a_clear_error(tmp_path, capsys, fake_data):
    path, _ = _project(tmp_path, data=False)
    before = path.read_bytes()
    assert main(["train", str(path)]) == 1
    assert "no data set" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_engine_saved_keras_file_round_trips_through_import(tmp_path):
    doc, ids = mlp_document(units=(5, 3), input_dim=4)
    compiled = compile_document(doc)
    rng = np.random.default_rng(3)
    for layer in compiled.layers.values():
        layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    path = tmp_path / "ours.keras"
    compiled.model.save(str(path))
    imported = import_keras(path)
    assert imported.problems() == [] and imported.total_params() == doc.total_params()
    x = rng.random((2, 4)).astype("float32")
    again = compile_document(imported).model
    np.testing.assert_allclose(_np(again(x)), _np(compiled.model(x)), rtol=1e-6)
    out = tmp_path / "ours.strata"
    assert main(["import", str(path), "-o", str(out)]) == 0
    assert load_project(out).total_params() == doc.total_params()


def test_cli_import_never_overwrites_a_project_without_asking(tmp_path, capsys):
    """Importing twice onto the same name used to replace the user's project and then its .bak."""
    compiled = compile_document(mlp_document(units=(5, 3), input_dim=4)[0])
    path = tmp_path / "ours.keras"
    compiled.model.save(str(path))
    out = tmp_path / "mine.strata"
    out.write_bytes(b"the user's own project")
    assert main(["import", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and str(out) in err and "Traceback" not in err
    assert out.read_bytes() == b"the user's own project" and not (tmp_path / "mine.strata.bak").exists()
    assert main(["import", str(path), "-o", str(out), "--force"]) == 0
    assert load_project(out).total_params() == compiled.model.count_params()
    assert (tmp_path / "mine.strata.bak").read_bytes() == b"the user's own project"


def test_cli_train_refuses_untrusted_custom_code_and_unavailable_device(tmp_path, capsys, fake_data):
    from app.graph import CUSTOM, AddNode, Connect, Document

    doc = Document()
    i = doc.apply(AddNode(MODEL_ID, "Input", {"shape": (2,)})).node_id
    c = doc.apply(AddNode(MODEL_ID, CUSTOM)).node_id
    o = doc.apply(AddNode(MODEL_ID, "Output")).node_id
    doc.apply(Connect(MODEL_ID, (i, "output"), (c, "inputs")))
    doc.apply(Connect(MODEL_ID, (c, "output"), (o, "inputs")))
    doc.apply(SetSetting("data", {"dataset": "fake_xor", "params": {"n": 16}}))
    path = tmp_path / "custom.strata"
    save_project(doc, path)
    before = path.read_bytes()
    assert main(["train", str(path), "--epochs", "1"]) == 1
    assert "not trusted" in capsys.readouterr().err and path.read_bytes() == before
    path2, _ = _project(tmp_path)
    code = main(["train", str(path2), "--epochs", "1", "--device", "cuda"])
    err = capsys.readouterr().err
    assert code == 0 or ("cuda" in err and "Traceback" not in err)


def test_cli_without_a_window_module_explains(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_window(name, *args, **kwargs):
        if name == "app.main_window":
            raise ModuleNotFoundError("No module named 'app.main_window'", name="app.main_window")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_window)
    monkeypatch.delitem(sys.modules, "app.main_window", raising=False)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "editor is not available" in err and "strata validate" in err


def test_cli_train_on_cuda_routes_through_keras_device_and_explains_a_missing_gpu(tmp_path, capsys, fake_data,
                                                                              monkeypatch):
    import engine.backend.cuda as cuda_pkg
    from engine import keras

    requested = []
    real_device = keras.device

    def recording_device(name):
        requested.append(name)
        return real_device(name)

    monkeypatch.setattr(keras, "device", recording_device)
    monkeypatch.setattr(cuda_pkg, "unavailable_reason", lambda: "no GPU in this test machine")
    path, _ = _project(tmp_path)
    before = path.read_bytes()
    code = main(["train", str(path), "--epochs", "1", "--device", "cuda"])
    err = capsys.readouterr().err
    assert code != 0
    assert requested == ["cuda"]
    assert "CUDA is not available: no GPU in this test machine" in err and str(path) in err
    assert "Traceback" not in err
    assert path.read_bytes() == before
    assert main(["train", str(path), "--epochs", "1", "--device", "cpu"]) == 0
    assert requested == ["cuda", "cpu"]
