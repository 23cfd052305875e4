"""Importing .keras files with shared layers and nested models (as blocks)."""

import json
import zipfile

import numpy as np
import pytest

from app.graph import BLOCK, MODEL_ID
from app.graph.compiler import compile_document
from app.graph.importer import ImportError_, import_keras
from app.graph.project import load_project, save_project


def _np(y):
    y = getattr(y, "data", y)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    return np.asarray(y)


def _randomise(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])


@pytest.mark.oracle
def test_shared_layers_and_nested_models_import_as_blocks_with_weights(tmp_path):
    import keras

    left = keras.Input((4,), name="left")
    right = keras.Input((4,), name="right")
    shared = keras.layers.Dense(3, activation="tanh", name="shared_dense")
    a, b = shared(left), shared(right)
    inner_in = keras.Input((3,), name="inner_in")
    inner_out = keras.layers.Dense(2, name="inner_dense")(keras.layers.Dense(5, activation="relu",
                                                                               name="inner_hidden")(inner_in))
    inner = keras.Model(inner_in, inner_out, name="inner_net")
    head = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="head_dense")], name="head")
    merged = keras.layers.Add(name="sum")([inner(a), head(b), head(a)])
    model = keras.Model([left, right], merged)
    _randomise(model)
    path = tmp_path / "nested.keras"
    model.save(path)
    doc = import_keras(path)
    assert doc.problems() == []
    names = {b.name for b in doc.blocks.values()}
    assert {"InnerNet", "Head", "SharedSharedDense"} <= names
    instances = [n for n in doc.model.nodes.values() if n.type == BLOCK]
    by_block = {}
    for node in instances:
        by_block.setdefault(doc.blocks[node.block].name, []).append(node)
    assert len(by_block["SharedSharedDense"]) == 2 and all(n.shared_weights for n in by_block["SharedSharedDense"])
    assert len(by_block["Head"]) == 2 and all(n.shared_weights for n in by_block["Head"])
    assert "SharedHead" not in names
    assert len(by_block["InnerNet"]) == 1 and not by_block["InnerNet"][0].shared_weights
    assert doc.total_params() == model.count_params()
    x = [np.random.default_rng(1).random((3, 4)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(_np(compile_document(doc).model(x)), _np(model(x)), rtol=1e-5, atol=1e-5)
    # the weights survive a project round trip
    save_project(doc, tmp_path / "nested.strata")
    again = load_project(tmp_path / "nested.strata")
    np.testing.assert_allclose(_np(compile_document(again).model(x)), _np(model(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.oracle
def test_layer_returning_states_imports_with_one_port_per_tensor(tmp_path):
    import keras

    inp = keras.Input((5, 2), name="seq")
    out, h, c = keras.layers.LSTM(3, return_state=True, name="lstm")(inp)
    joined = keras.layers.Concatenate(name="join")([out, c])
    model = keras.Model(inp, [joined, h])
    _randomise(model, 2)
    path = tmp_path / "states.keras"
    model.save(path)
    doc = import_keras(path)
    lstm = next(n for n in doc.model.nodes.values() if n.label == "lstm")
    ports = {e.src[1] for e in doc.model.edges.values() if e.src[0] == lstm.id}
    assert ports == {"output", "state_h", "state_c"}
    x = np.random.default_rng(3).random((2, 5, 2)).astype("float32")
    for ours, theirs in zip(compile_document(doc).model(x), model(x)):
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-5, atol=1e-5)


def test_custom_layer_inside_a_nested_model_is_named(tmp_path):
    custom = tmp_path / "custom.keras"
    tensor = {"class_name": "__keras_tensor__", "config": {"shape": [None, 2], "dtype": "float32",
                                                           "keras_history": ["x", 0, 0]}}
    nested = {"class_name": "Functional", "config": {"name": "sub", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [None, 2]}, "inbound_nodes": []},
        {"class_name": "Attention2", "registered_name": "my_pkg>Attention2", "module": "my_pkg.layers",
         "config": {"name": "att"}, "inbound_nodes": [{"args": [tensor], "kwargs": {}}]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["att", 0, 0]]},
        "inbound_nodes": [{"args": [tensor], "kwargs": {}}]}
    config = {"class_name": "Functional", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [None, 2]}, "inbound_nodes": []},
        nested], "input_layers": [["x", 0, 0]], "output_layers": [["sub", 0, 0]]}}
    with zipfile.ZipFile(custom, "w") as z:
        z.writestr("config.json", json.dumps(config))
    with pytest.raises(ImportError_, match=r"custom\.keras: layer 'att' is an instance of the custom class "
                                           r"'my_pkg>Attention2' from module 'my_pkg\.layers'"):
        import_keras(custom)


def test_files_saved_from_compiled_documents_reopen_patterns_and_blocks(tmp_path):
    from app.graph import GroupIntoBlock
    from tests.app.graph.helpers import add, mlp_document, wire

    doc, ids = mlp_document(units=(3, 2), input_dim=4)
    reg = add(doc, "ActivityRegularizationLayer", {"rate": 0.25})
    edge = doc.edges_into(MODEL_ID, ids[-1])[0]
    from app.graph import Disconnect

    doc.apply(Disconnect(MODEL_ID, [edge.id]))
    wire(doc, ids[-2], reg)
    wire(doc, reg, ids[-1])
    model = compile_document(doc).model
    model.save(tmp_path / "pattern.keras")
    reopened = import_keras(tmp_path / "pattern.keras")
    assert [n.params for n in reopened.model.nodes.values() if n.type == "ActivityRegularizationLayer"] == [
        {"rate": 0.25}]
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(_np(compile_document(reopened).model(x)), _np(model(x)), rtol=1e-6)
    doc.apply(GroupIntoBlock(MODEL_ID, ids[1:3], "Body"))
    compile_document(doc).model.save(tmp_path / "block.keras")
    assert [b.name for b in import_keras(tmp_path / "block.keras").blocks.values() if b.id != MODEL_ID] == ["Body"]


def test_blocks_saved_by_strata_reopen_as_linked_definitions_with_their_weights(tmp_path):
    from tests.app.graph.test_block_saving import _nested_shared_document

    doc = _nested_shared_document()
    model = compile_document(doc).model
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.save(tmp_path / "blocks.keras")
    reopened = import_keras(tmp_path / "blocks.keras")
    assert [p for p in reopened.problems() if p.kind != "dangling_output"] == []
    assert sorted(b.name for b in reopened.blocks.values() if b.id != MODEL_ID) == ["Inner", "Outer"]
    outer = [n for n in reopened.model.nodes.values() if n.type == BLOCK]
    assert len(outer) == 2 and len({n.block for n in outer}) == 1 and all(n.shared_weights for n in outer)
    assert reopened.total_params() == doc.total_params()
    x = rng.random((3, 3)).astype("float32")
    np.testing.assert_allclose(_np(compile_document(reopened).model(x)), _np(model(x)), rtol=1e-5, atol=1e-5)


def test_a_tampered_saved_block_definition_is_refused_naming_the_layer(tmp_path):
    from app.graph import GroupIntoBlock
    from tests.app.graph.helpers import mlp_document

    doc, ids = mlp_document(units=(3, 2), input_dim=4)
    doc.apply(GroupIntoBlock(MODEL_ID, ids[1:3], "Body"))
    compile_document(doc).model.save(tmp_path / "block.keras")
    with zipfile.ZipFile(tmp_path / "block.keras") as z:
        files = {name: z.read(name) for name in z.namelist()}
    config = json.loads(files["config.json"])
    body = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Body")
    definition = body["config"]["definition"][body["config"]["block_id"]]
    dense = next(n for n in definition["nodes"].values() if n["type"] == "Dense")
    dense["params"]["units"] = "lots"
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "tampered.keras", "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    with pytest.raises(ImportError_, match=r"tampered\.keras: layer 'body_1': its saved block definition is invalid "
                                           r"\(.*units must be an integer, got 'lots'"):
        import_keras(tmp_path / "tampered.keras")
    dense["type"], dense["params"] = "CustomLayer", {"source": "class X(keras.layers.Layer):\n    pass\n"}
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "custom.keras", "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    with pytest.raises(ImportError_, match=r"block 'Body' contains the Custom Layer"):
        import_keras(tmp_path / "custom.keras")
