"""Saved weights that do not fit a node's variables are a clear error, never silently dropped."""

import io
import zipfile

import numpy as np
import pytest

from app.graph import MODEL_ID
from app.graph.compiler import CompileError, compile_document
from app.graph.project import load_project, save_project
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
def test_wrong_shape_in_weights_npz_names_node_variable_shapes_and_file(tmp_path, group):
    doc, ids, path = _saved_project(tmp_path, group)
    key = _key_of(doc, ids[2])          # the second Dense: kernel (5, 2), bias (2,)

    def corrupt(arrays):
        arrays[f"{key}_0"] = np.zeros((5, 3), "float32")
    _rewrite_weights(path, corrupt)
    loaded = load_project(path)
    before = {p: [a.copy() for a in v] for p, (_, v) in loaded.weights.entries.items()}
    with pytest.raises(CompileError) as caught:
        compile_document(loaded)
    text = str(caught.value)
    assert "kernel" in text and "(5, 2)" in text and "(5, 3)" in text
    assert str(path) in text and "weights.npz" in text
    label = loaded.display_name(*(_block_and_node(loaded, ids[2])))
    assert label in text
    (problem,) = caught.value.problems
    assert problem.kind == "weights_mismatch" and problem.node == ids[2]
    # the document keeps every saved array as it was read
    for p, (_, values) in loaded.weights.entries.items():
        for a, b in zip(values, before[p]):
            np.testing.assert_array_equal(a, b)


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
    loaded = load_project(path)
    with pytest.raises(CompileError, match=r"2 variable\(s\).*holds 1 array"):
        compile_document(loaded)


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
