"""Project files: round trip, atomic save with backup, migration, trust, broken corpus."""

import hashlib
import json
import pathlib
import shutil
import zipfile

import numpy as np
import pytest

from app.graph import CUSTOM, MODEL_ID, GroupIntoBlock, SetParams, SetSetting
from app.graph.compiler import compile_document
from app.graph.project import TrustStore, load_project, save_project, trust_document
from app.graph.serialize import ProjectError
from tests.app.graph.helpers import add, mlp_document, wire

BROKEN = pathlib.Path(__file__).parent / "broken"


def _project(tmp_path):
    doc, ids = mlp_document(units=(5, 2), input_dim=3)
    doc.apply(GroupIntoBlock(MODEL_ID, ids[1:3], "MLPBlock"))
    doc.apply(SetSetting("data", {"dataset": "xor", "params": {"n": 64}}))
    compile_document(doc).store_weights(doc)
    doc.history = [{"loss": [1.0, 0.5]}]
    return doc


def test_save_then_load_is_identity_with_weights(tmp_path):
    doc = _project(tmp_path)
    path = tmp_path / "m.strata"
    save_project(doc, path)
    loaded = load_project(path)
    assert loaded.snapshot() == doc.snapshot()
    assert loaded.history == doc.history
    assert set(loaded.weights.entries) == set(doc.weights.entries)
    for key, (sig, values) in doc.weights.entries.items():
        assert loaded.weights.entries[key][0] == sig
        for a, b in zip(values, loaded.weights.entries[key][1]):
            np.testing.assert_array_equal(a, b)
    # weights restored into the compiled model
    c1, c2 = compile_document(doc), compile_document(loaded)
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(np.asarray(c1.model(x).data), np.asarray(c2.model(x).data))
    # stable bytes: saving twice gives the same project.json
    save_project(loaded, tmp_path / "again.strata")
    read = [zipfile.ZipFile(p).read("project.json") for p in (path, tmp_path / "again.strata")]
    assert read[0] == read[1]
    text = read[0].decode()
    assert text.index('"blocks"') < text.index('"schema"')   # sorted keys, indented
    assert '\n    "' in text


def test_saved_project_has_ordinary_permissions_and_keeps_the_replaced_files(tmp_path):
    """mkstemp's temporary file is 0600; a saved project is an ordinary file (the umask applies)
    and an overwritten one keeps its mode, so a project shared in a class folder stays readable."""
    import os
    import stat

    doc = _project(tmp_path)
    path = tmp_path / "m.strata"
    old_umask = os.umask(0o022)
    try:
        save_project(doc, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o664)
        save_project(doc, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
        store = TrustStore(tmp_path / "config" / "trusted.json")
        store.trust("abc")
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600    # the trust store stays private
    finally:
        os.umask(old_umask)


def test_unreadable_weights_do_not_advise_loading_pickles(tmp_path):
    doc = _project(tmp_path)
    path = tmp_path / "m.strata"
    save_project(doc, path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["weights.npz"] = b"garbage, not an npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ProjectError, match="weights.npz: unreadable") as caught:
        load_project(path)
    assert "allow_pickle" not in str(caught.value) and "never loads" in str(caught.value)


def test_atomic_save_keeps_backup_and_failed_save_changes_nothing(tmp_path):
    doc = _project(tmp_path)
    path = tmp_path / "m.strata"
    save_project(doc, path)
    first = path.read_bytes()
    doc.apply(SetParams(MODEL_ID, next(iter(doc.model.nodes)), {"name": "renamed"}))
    save_project(doc, path)
    assert (tmp_path / "m.strata.bak").read_bytes() == first
    assert path.read_bytes() != first
    second = path.read_bytes()
    doc.apply(SetParams(MODEL_ID, next(iter(doc.model.nodes)), {"name": float("nan")}))
    with pytest.raises(ProjectError, match="NaN"):
        save_project(doc, path)
    assert path.read_bytes() == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.strata", "m.strata.bak"]


@pytest.mark.parametrize("name", sorted(json.loads((BROKEN / "expected.json").read_text())))
def test_broken_files_give_clear_errors_and_change_nothing(name, tmp_path):
    expected = json.loads((BROKEN / "expected.json").read_text())[name]
    path = tmp_path / name
    shutil.copy(BROKEN / name, path)
    before = path.read_bytes()
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert str(path) in str(info.value) and expected in str(info.value)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_schema_1_migrates(tmp_path):
    v1 = {"version": 1, "name": "Old",
          "nodes": {"n1": {"type": "Input", "label": "x", "position": [0, 0], "params": {"shape": [2]}},
                    "n2": {"type": "Dense", "label": "d", "position": [1, 0], "params": {"units": 3}},
                    "n3": {"type": "Output", "label": "y", "position": [2, 0], "params": {}}},
          "edges": {"e4": {"src": ["n1", "output"], "dst": ["n2", "inputs"]},
                    "e5": {"src": ["n2", "output"], "dst": ["n3", "inputs"]}}}
    path = tmp_path / "old.strata"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.json", json.dumps(v1))
    doc = load_project(path)
    assert doc.model.name == "Old" and doc.problems() == [] and doc.total_params() == 9
    assert doc.model.nodes["n1"].params["shape"] == (2,)


CUSTOM_SRC = '''class Scale(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0
'''


def test_custom_code_runs_only_after_trust(tmp_path):
    store = TrustStore(tmp_path / "settings" / "trust.json")
    from app.graph import Document

    doc = Document()
    i = add(doc, "Input", {"shape": (2,)})
    c = add(doc, CUSTOM, {"source": CUSTOM_SRC})
    o = add(doc, "Output")
    wire(doc, i, c)
    wire(doc, c, o)
    path = tmp_path / "c.strata"
    save_project(doc, path)                   # saved without a trust store: not remembered
    loaded = load_project(path, trust=store)
    assert not loaded.trusted
    assert [p.kind for p in loaded.problems()] == ["untrusted"]
    trust_document(loaded, store)
    assert loaded.problems() == []
    digest = hashlib.sha256(zipfile.ZipFile(path).read("project.json")).hexdigest()
    assert json.loads(store.path.read_text())["trusted"] == [digest]
    assert load_project(path, trust=store).trusted
    # editing the file by hand changes the hash: untrusted again
    data = json.loads(zipfile.ZipFile(path).read("project.json"))
    data["blocks"]["model"]["nodes"][c]["params"]["source"] = CUSTOM_SRC.replace("2.0", "3.0")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.json", json.dumps(data))
    assert not load_project(path, trust=store).trusted
    # a trusted document saved with the store stays trusted
    save_project(loaded, tmp_path / "d.strata", trust=store)
    assert load_project(tmp_path / "d.strata", trust=store).trusted
