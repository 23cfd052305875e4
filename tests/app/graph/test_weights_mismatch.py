"""Saved weights that do not fit a node's variables are a clear error, never silently dropped."""

import io
import zipfile

import numpy as np
import pytest

from app.graph import MODEL_ID
from app.graph.compiler import CompileError, compile_document
from app.graph.project import load_project, save_project
from app.graph.serialize import ProjectError
from tests.app.graph.helpers import mlp_document


def _rewrite_weights(path, change):
    """Rewrite weights.npz inside the .strata at `path` with `change(arrays)` applied."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with np.load(io.BytesIO(members["weights.npz"]), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    change(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    members["weights.npz"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _saved_project(tmp_path, group=False):
    from app.graph import GroupIntoBlock

    doc, ids = mlp_document(units=(5, 2), input_dim=3)
    if group:
        doc.apply(GroupIntoBlock(MODEL_ID, ids[1:3], "MLPBlock"))
    compile_document(doc).store_weights(doc)
    path = tmp_path / "m.strata"
    save_project(doc, path)
    return doc, ids, path


def _key_of(doc, path_suffix):
    arrays, index = doc.weights.to_arrays()
    (entry,) = [info for p, info in index.items() if p.endswith(path_suffix)]
    return entry["key"]


@pytest.mark.parametrize("group", [False, True])
def test_wrong_shape_in_weights_npz_refuses_the_project_naming_node_variable_shapes_and_file(tmp_path, group):
    doc, ids, path = _saved_project(tmp_path, group)
    key = _key_of(doc, ids[2])          # the second Dense: kernel (5, 2), bias (2,)

    def corrupt(arrays):
        arrays[f"{key}_0"] = np.zeros((5, 3), "float32")
    _rewrite_weights(path, corrupt)
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    text = str(caught.value)
    assert "'kernel'" in text and "(5, 2)" in text and "(5, 3)" in text
    assert str(path) in text and "weights.npz" in text
    assert doc.display_name(*_block_and_node(doc, ids[2])) in text
    assert "'bias'" not in text            # only the bad array is reported


def test_compile_refuses_a_bad_entry_the_live_checks_could_not_size(tmp_path):
    """The compiler checks again (an entry the project loader could not size, or weights set
    in memory): a CompileError of kind weights_mismatch naming node, variable, shapes and file."""
    doc, ids, path = _saved_project(tmp_path, group=True)
    loaded = load_project(path)
    signature, values = next((e for p, e in loaded.weights.entries.items() if p.endswith(ids[2])))
    entry = next(p for p in loaded.weights.entries if p.endswith(ids[2]))
    loaded.weights.entries[entry] = (signature, [np.zeros((5, 3), "float32"), values[1]])
    with pytest.raises(CompileError) as caught:
        compile_document(loaded)
    text = str(caught.value)
    assert "kernel" in text and "(5, 2)" in text and "(5, 3)" in text and str(path) in text
    (problem,) = caught.value.problems
    assert problem.kind == "weights_mismatch" and problem.node == ids[2]
    assert loaded.display_name(*_block_and_node(loaded, ids[2])) in text


def _block_and_node(doc, node_id):
    for block_id, block in doc.blocks.items():
        if node_id in block.nodes:
            return block_id, node_id
    raise AssertionError(node_id)


def test_wrong_array_count_is_an_error_too(tmp_path):
    doc, ids, path = _saved_project(tmp_path)
    key = _key_of(doc, ids[1])
    import json

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(members["project.json"])
    for info in data["weights_index"].values():
        if info["key"] == key:
            info["count"] = 1
    members["project.json"] = json.dumps(data).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, blob in members.items():
            archive.writestr(name, blob)
    with pytest.raises(ProjectError, match=r"2 variable\(s\) \(kernel, bias\), but the file holds 1 array"):
        load_project(path)


def test_no_layer_is_loaded_when_one_entry_is_bad():
    """Every entry is checked before any is assigned: a good node's weights are not set when a
    later node's are bad (the compiled model never exists half-restored)."""

    doc, ids = mlp_document(units=(5, 2), input_dim=3)
    compile_document(doc).store_weights(doc)
    signature, values = doc.weights.entries[ids[2]]
    doc.weights.entries[ids[2]] = (signature, [np.zeros((5, 3), "float32"), values[1]])
    assigned = []

    from engine.layers.layer import Layer

    real_set = Layer.set_weights

    def spy(self, weights):
        assigned.append(self.name)
        return real_set(self, weights)
    Layer.set_weights = spy
    try:
        with pytest.raises(CompileError):
            compile_document(doc)
    finally:
        Layer.set_weights = real_set
    assert assigned == []


def test_matching_weights_still_restore(tmp_path):
    doc, ids, path = _saved_project(tmp_path, group=True)
    loaded = load_project(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(np.asarray(compile_document(doc).model(x).data),
                                  np.asarray(compile_document(loaded).model(x).data))


def test_a_changed_node_still_starts_afresh_without_error(tmp_path):
    """An entry whose node changed since saving (other units) is not restored and not an error."""
    import json

    doc, ids, path = _saved_project(tmp_path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(members["project.json"])
    data["blocks"][MODEL_ID]["nodes"][ids[2]]["params"]["units"] = 4
    members["project.json"] = json.dumps(data).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, blob in members.items():
            archive.writestr(name, blob)
    loaded = load_project(path)
    assert compile_document(loaded).layers[ids[2]].get_weights()[0].shape == (5, 4)


@pytest.mark.parametrize("command", ["summary", "validate", "export"])
def test_cli_reports_the_bad_array_in_one_line_without_a_traceback(tmp_path, capsys, monkeypatch, command):
    from app.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))          # the trust store lives under the user's home
    doc, ids, path = _saved_project(tmp_path)
    key = _key_of(doc, ids[1])

    def corrupt(arrays):
        arrays[f"{key}_1"] = np.zeros((7,), "float32")
    _rewrite_weights(path, corrupt)
    args = [command, str(path)] + (["-o", str(tmp_path / "out.py")] if command == "export" else [])
    assert main(args) in (1, 2)
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("strata: error: ")
    assert "'bias'" in err and "(5,)" in err and "(7,)" in err and "weights.npz" in err
    assert not (tmp_path / "out.py").exists()


def test_instances_of_one_block_with_different_inputs_reopen_and_a_bad_one_is_named(tmp_path):
    """Each instance's weights are sized on that instance's inputs (a (4,)- and a (6,)-wide
    instance of one Dense block), so a good project opens and a bad array names its entry."""
    from app.graph import AddBlock, Document, RemoveNodes
    from tests.app.graph.helpers import add as add_node, wire as connect

    doc = Document()
    block = doc.apply(AddBlock("Proj")).block_id
    doc.apply(RemoveNodes(block, list(doc.blocks[block].nodes)))
    x = add_node(doc, "Input", {"name": "x"}, block=block)
    dense = add_node(doc, "Dense", {"units": 3}, block=block, label="dense")
    out = add_node(doc, "Output", {"name": "y"}, block=block, position=(300, 0))
    connect(doc, x, dense, block=block)
    connect(doc, dense, out, block=block)
    instances = []
    for width, y in ((4, 0), (6, 200)):
        source = add_node(doc, "Input", {"shape": (width,), "name": f"in{width}"}, position=(0, y))
        instance = add_node(doc, "Block", block_ref=block, label=f"proj{width}")
        connect(doc, source, instance, dst_port="x")
        connect(doc, instance, add_node(doc, "Output", {"name": f"out{width}"}, position=(600, y)), src_port="y")
        instances.append(instance)
    compile_document(doc).store_weights(doc)
    path = tmp_path / "two.strata"
    save_project(doc, path)
    loaded = load_project(path)
    assert {tuple(v[0].shape) for _, v in loaded.weights.entries.values()} == {(4, 3), (6, 3)}
    key = doc.weights.to_arrays()[1][f"{instances[1]}/{dense}"]["key"]

    def corrupt(arrays):
        arrays[f"{key}_0"] = np.zeros((4, 3), "float32")
    _rewrite_weights(path, corrupt)
    with pytest.raises(ProjectError, match=rf"'{instances[1]}/{dense}'.*'kernel' has shape \(6, 3\).*\(4, 3\)"):
        load_project(path)
