"""Models compiled from blocks save with model.save and load back with load_model."""

import numpy as np

from app.graph import MODEL_ID, GroupIntoBlock, SetSharedWeights
from app.graph.block_layer import StrataBlock
from app.graph.compiler import compile_document
from engine import keras
from tests.app.graph.helpers import add, mlp_document, wire


def _np(y):
    return np.asarray(getattr(y, "data", y))


def _nested_shared_document():
    """Input -> [Outer: [Inner: Dense, Dense] -> Dense] x2 shared -> ActivityRegularization -> Output."""
    doc, ids = mlp_document(units=(6, 5, 4, 4), input_dim=3)
    inner = doc.apply(GroupIntoBlock(MODEL_ID, ids[1:3], "Inner"))
    outer = doc.apply(GroupIntoBlock(MODEL_ID, [inner.instance_id, ids[3]], "Outer"))
    second = add(doc, "Block", block_ref=outer.block_id, position=(900, 0))
    reg = add(doc, "ActivityRegularizationLayer", {"rate": 0.01}, position=(1100, 0))
    edges = doc.edges_into(MODEL_ID, ids[-1])
    from app.graph import Disconnect

    last_src = edges[0].src
    doc.apply(Disconnect(MODEL_ID, [edges[0].id]))
    wire(doc, ids[0], second)
    doc.apply(SetSharedWeights(MODEL_ID, outer.instance_id, True))
    doc.apply(SetSharedWeights(MODEL_ID, second, True))
    merge = add(doc, "Add", position=(1000, 0))
    wire(doc, last_src[0], merge, src_port=last_src[1])
    wire(doc, second, merge, src_port=doc.output_ports(MODEL_ID, second)[0].name)
    wire(doc, merge, reg)
    wire(doc, reg, ids[-1])
    return doc


def test_blocks_nested_and_shared_save_and_load_in_the_same_process(tmp_path):
    doc = _nested_shared_document()
    assert [p for p in doc.problems() if p.kind != "dangling_output"] == []
    compiled = compile_document(doc)
    model = compiled.model
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    path = tmp_path / "blocks.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = rng.random((4, 3)).astype("float32")
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), rtol=1e-6, atol=1e-6)
    assert loaded.count_params() == model.count_params() == doc.total_params()
    names = sorted(type(layer).__name__ for layer in loaded.layers)
    assert "Outer" in names and "ActivityRegularizationLayer" in names
    outer_layers = [layer for layer in loaded.layers if type(layer).__name__ == "Outer"]
    assert len(outer_layers) == 1              # the two shared instances are one layer again
    assert isinstance(outer_layers[0], StrataBlock)
    assert any(type(sub).__name__ == "Inner" for sub in outer_layers[0].sublayers.values())


def test_a_file_saved_from_a_block_loads_without_the_registration_via_the_generic_class(tmp_path):
    from engine.saving import registry

    doc, ids = mlp_document(units=(4, 2), input_dim=3)
    doc.apply(GroupIntoBlock(MODEL_ID, ids[1:2], "Lonely Block"))
    model = compile_document(doc).model
    path = tmp_path / "one.keras"
    model.save(path)
    registry._REGISTERED.pop("Strata>LonelyBlock")
    loaded = keras.saving.load_model(path, custom_objects={"LonelyBlock": StrataBlock})
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), rtol=1e-6)
    # a block edited after saving does not change what the saved file computes
    compile_document(doc)


def test_sublayers_of_equal_shape_keep_their_own_weights_across_save_and_load(tmp_path):
    # node ids n2..n12: plain string order (n10 < n2) would swap same-shaped weights silently
    doc, ids = mlp_document(units=(4,) * 11, input_dim=4)
    doc.apply(GroupIntoBlock(MODEL_ID, ids[1:12], "Deep"))
    model = compile_document(doc).model
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.save(tmp_path / "deep.keras")
    loaded = keras.saving.load_model(tmp_path / "deep.keras")
    x = rng.random((3, 4)).astype("float32")
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), rtol=1e-5, atol=1e-6)
