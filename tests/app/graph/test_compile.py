"""Document -> engine model: blocks as Layer subclasses, parameter counts, kept weights."""

import numpy as np
import pytest

from app.graph import BLOCK, MODEL_ID, Disconnect, GroupIntoBlock, SetParams, SetSharedWeights
from app.graph.compiler import CompileError, compile_document
from tests.app.graph.helpers import add, mlp_document, wire


def _out(model, x):
    y = model(x)
    return np.asarray(getattr(y, "data", y))


def test_compile_matches_summary_and_document_counts():
    doc, ids = mlp_document(units=(32, 32, 1), input_dim=64)
    compiled = compile_document(doc)
    assert compiled.model.count_params() == doc.total_params() == 64 * 32 + 32 + 32 * 32 + 32 + 33
    for layer_path, layer in compiled.layers.items():
        assert layer.count_params() == doc.param_count(MODEL_ID, layer_path)


def test_block_becomes_layer_subclass_and_nested_blocks_work():
    doc, (i, d1, d2, d3, o) = mlp_document(units=(8, 8, 2), input_dim=5)
    inner = doc.apply(GroupIntoBlock(MODEL_ID, [d1, d2], "Inner"))
    outer = doc.apply(GroupIntoBlock(MODEL_ID, [inner.instance_id, d3], "MLPBlock"))
    assert doc.problems() == []
    compiled = compile_document(doc)
    model = compiled.model
    block_layer = [layer for layer in model.layers if type(layer).__name__ == "MLPBlock"][0]
    from engine import keras

    assert isinstance(block_layer, keras.layers.Layer)
    assert model.count_params() == doc.total_params() == 5 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2
    assert _out(model, np.ones((3, 5), "float32")).shape == (3, 2)
    assert set(compiled.layers) == {f"{outer.instance_id}/{inner.instance_id}/{d1}",
                                    f"{outer.instance_id}/{inner.instance_id}/{d2}", f"{outer.instance_id}/{d3}"}


def test_shared_instances_use_one_set_of_weights():
    doc, (i, d1, o) = mlp_document(units=(4,), input_dim=4)
    group = doc.apply(GroupIntoBlock(MODEL_ID, [d1], "Shared"))
    second = add(doc, BLOCK, block_ref=group.block_id)
    pin, pout = doc.input_ports(MODEL_ID, second)[0].name, doc.output_ports(MODEL_ID, second)[0].name
    doc.apply(Disconnect(MODEL_ID, [e.id for e in doc.edges_into(MODEL_ID, o)]))
    wire(doc, group.instance_id, second, src_port=pout, dst_port=pin)
    wire(doc, second, o, src_port=pout)
    assert compile_document(doc).model.count_params() == doc.total_params() == 2 * 20
    doc.apply(SetSharedWeights(MODEL_ID, group.instance_id, True))
    doc.apply(SetSharedWeights(MODEL_ID, second, True))
    model = compile_document(doc).model
    assert model.count_params() == doc.total_params() == 20


def test_recompile_keeps_weights_of_unchanged_nodes():
    doc, (i, d1, d2, o) = mlp_document(units=(6, 3), input_dim=4)
    compiled = compile_document(doc)
    rng = np.random.default_rng(0)
    for layer in compiled.layers.values():
        layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    trained = {p: [w.copy() for w in layer.get_weights()] for p, layer in compiled.layers.items()}
    compiled.store_weights(doc)
    doc.apply(SetParams(MODEL_ID, d2, {"units": 5}))
    again = compile_document(doc)
    for a, b in zip(again.layers[d1].get_weights(), trained[d1]):
        np.testing.assert_array_equal(a, b)
    assert again.layers[d2].get_weights()[0].shape == (6, 5)
    doc.apply(SetParams(MODEL_ID, d1, {"activation": "tanh"}))
    third = compile_document(doc)
    assert not np.array_equal(third.layers[d1].get_weights()[0], trained[d1][0])


def test_compile_refuses_documents_with_problems():
    doc, (i, d1, d2, o) = mlp_document()
    doc.apply(SetParams(MODEL_ID, d1, {"units": "many"}))
    with pytest.raises(CompileError) as info:
        compile_document(doc)
    assert info.value.problems[0].node == d1 and "units" in str(info.value)


def test_guide_logistic_endpoint_model_trains_with_add_loss_and_add_metric():
    from app.graph import Document

    doc = Document()
    x = add(doc, "Input", {"shape": (3,), "name": "inputs"})
    t = add(doc, "Input", {"shape": (10,), "name": "targets"})
    logits = add(doc, "Dense", {"units": 10})
    end = add(doc, "LogisticEndpoint", label="predictions")
    out = add(doc, "Output")
    wire(doc, x, logits)
    wire(doc, t, end, dst_port="targets")
    wire(doc, logits, end, dst_port="logits")
    wire(doc, end, out)
    model = compile_document(doc).model
    model.compile(optimizer="adam")
    rng = np.random.default_rng(1)
    data = {"inputs": rng.random((3, 3)).astype("float32"), "targets": rng.random((3, 10)).astype("float32")}
    history = model.fit(data, epochs=1, verbose=0)
    assert "loss" in history.history and np.isfinite(history.history["loss"][0])
    assert any("accuracy" in k for k in history.history)


def test_trained_weights_survive_grouping_and_ungrouping():
    from app.graph import UnpackBlock

    doc, (i, d1, d2, o) = mlp_document(units=(6, 3), input_dim=4)
    compiled = compile_document(doc)
    rng = np.random.default_rng(5)
    for layer in compiled.layers.values():
        layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    x = rng.random((2, 4)).astype("float32")
    expected = _out(compiled.model, x)
    compiled.store_weights(doc)
    group = doc.apply(GroupIntoBlock(MODEL_ID, [d1, d2], "MLPBlock"))
    grouped = compile_document(doc)
    np.testing.assert_allclose(_out(grouped.model, x), expected, rtol=1e-6)
    grouped.store_weights(doc)
    doc.apply(UnpackBlock(MODEL_ID, group.instance_id))
    np.testing.assert_allclose(_out(compile_document(doc).model, x), expected, rtol=1e-6)


def test_custom_code_calling_exit_is_a_problem_not_an_exit():
    from app.graph import CUSTOM, Document

    doc = Document()
    i = add(doc, "Input", {"shape": (2,)})
    c = add(doc, CUSTOM, {"source": "import sys\nclass A(keras.layers.Layer):\n    def call(self, inputs):\n"
                                     "        sys.exit(3)\n"})  # noqa: E501
    o = add(doc, "Output")
    wire(doc, i, c)
    wire(doc, c, o)
    problem = [p for p in doc.problems() if p.node == c][0]
    assert problem.kind == "custom_code" and problem.line == 4
