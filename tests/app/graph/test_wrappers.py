"""Wrapper layers as nodes (Bidirectional, TimeDistributed, RNN with a cell), multi-output
ports (return_state), user-facing problem messages and the Custom Layer time limit."""

import numpy as np
import pytest

from app.graph import MODEL_ID, Document, SetParams
from app.graph.compiler import CompileError, compile_document
from app.graph.catalogue import LAYER, catalogue, categories, default_params, node_type, param_error
from app.graph.export import export_python
from app.graph.importer import import_keras
from app.graph.project import load_project, save_project
from tests.app.graph.helpers import add, wire


def _np(y):
    y = getattr(y, "data", y)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    return np.asarray(y)


def _recurrent_doc():
    """Input(5, 3) -> Bidirectional(LSTM 4, sequences, states) -> TimeDistributed(Dense 2)
    -> RNN(GRUCell 3, states) -> Output(state_h), plus the forward cell state as a 2nd output."""
    doc = Document()
    i = add(doc, "Input", {"shape": (5, 3)})
    bi = add(doc, "Bidirectional", {"layer": {"type": "LSTM", "params": {
        "units": 4, "return_sequences": True, "return_state": True}}}, label="encoder")
    td = add(doc, "TimeDistributed", {"layer": {"type": "Dense", "params": {"units": 2, "activation": "tanh"}}},
             label="per_step")
    rnn = add(doc, "RNN", {"cell": {"type": "GRUCell", "params": {"units": 3}}, "return_state": True}, label="gru")
    o1 = add(doc, "Output", {"name": "state"}, position=(900, 0))
    o2 = add(doc, "Output", {"name": "cell"}, position=(900, 100))
    wire(doc, i, bi, dst_port="sequences")
    wire(doc, bi, td)
    wire(doc, td, rnn, dst_port="sequences")
    wire(doc, rnn, o1, src_port="state_h")
    wire(doc, bi, o2, src_port="forward_state_c")
    return doc, (i, bi, td, rnn)


def test_wrappers_are_nodes_with_a_nested_layer_group_and_cells_stay_hidden():
    types = catalogue()
    for name in ("Bidirectional", "TimeDistributed", "RNN"):
        assert name in types
    palette = {n for names in categories().values() for n in names}
    assert {"Bidirectional", "TimeDistributed", "RNN"} <= palette
    assert not {n for n in palette if n.endswith("Cell")}
    bi = node_type("Bidirectional").param("layer")
    assert bi.kind == LAYER and {"LSTM", "GRU", "SimpleRNN"} <= set(bi.choices) and "Dense" not in bi.choices
    assert node_type("RNN").param("cell").choices == ("GRUCell", "LSTMCell", "SimpleRNNCell")
    assert "Dense" in node_type("TimeDistributed").param("layer").choices
    assert node_type("Bidirectional").param("backward_layer") is None
    assert default_params("RNN")["cell"]["type"] == "LSTMCell"
    assert default_params("LSTMCell")["units"] == 32          # nested defaults for the inspector
    assert param_error(bi, {"type": "Dense", "params": {}}) is not None
    assert "layer.units must be an integer" in param_error(bi, {"type": "LSTM", "params": {"units": "x"}})
    assert "has no parameter 'colour'" in param_error(bi, {"type": "LSTM", "params": {"colour": 1}})
    assert param_error(bi, {"type": "GRU", "params": {"units": 3}}) is None


@pytest.mark.oracle
def test_wrapper_and_return_state_shapes_params_and_outputs_match_keras():
    import keras

    doc, (i, bi, td, rnn) = _recurrent_doc()
    assert doc.problems() == []
    assert [p.name for p in doc.output_ports(MODEL_ID, bi)] == [
        "output", "forward_state_h", "forward_state_c", "backward_state_h", "backward_state_c"]
    assert [p.name for p in doc.output_ports(MODEL_ID, rnn)] == ["output", "state_h"]
    inp = keras.Input((5, 3))
    seq, fh, fc, bh, bc = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True,
                                                                        return_state=True))(inp)
    steps = keras.layers.TimeDistributed(keras.layers.Dense(2, activation="tanh"))(seq)
    last, state = keras.layers.RNN(keras.layers.GRUCell(3), return_state=True)(steps)
    reference = keras.Model(inp, [state, fc])
    assert doc.output_shapes(MODEL_ID, bi) == {"output": tuple(seq.shape), "forward_state_h": tuple(fh.shape),
                                               "forward_state_c": tuple(fc.shape),
                                               "backward_state_h": tuple(bh.shape),
                                               "backward_state_c": tuple(bc.shape)}
    assert doc.output_shapes(MODEL_ID, rnn) == {"output": tuple(last.shape), "state_h": tuple(state.shape)}
    assert doc.total_params() == reference.count_params()
    compiled = compile_document(doc)
    ours = compiled.model
    for ours_layer, their_layer in zip([compiled.layers[bi], compiled.layers[td], compiled.layers[rnn]],
                                       reference.layers[1:]):
        their_layer.set_weights(ours_layer.get_weights())
    x = np.random.default_rng(0).random((2, 5, 3)).astype("float32")
    for a, b in zip(ours(x), reference(x)):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-5)


def test_switching_return_state_off_leaves_a_clear_problem_on_the_dangling_state_wire():
    doc, (i, bi, td, rnn) = _recurrent_doc()
    doc.apply(SetParams(MODEL_ID, rnn, {"return_state": False}))
    assert [p.name for p in doc.output_ports(MODEL_ID, rnn)] == ["output"]
    messages = [p.message for p in doc.problems()]
    assert any("port 'state_h'" in m and '"gru" (RNN)' in m for m in messages)
    with pytest.raises(CompileError):
        compile_document(doc)


def test_nested_groups_round_trip_through_project_files_and_export(tmp_path):
    doc, (i, bi, td, rnn) = _recurrent_doc()
    doc.apply(SetParams(MODEL_ID, td, {"layer": {"type": "Conv1D", "params": {"filters": 2, "kernel_size": [1]}}}))
    # TimeDistributed(Conv1D) needs 4-d input: a shape problem, named after the node
    assert any('"per_step" (TimeDistributed)' in p.message for p in doc.problems(MODEL_ID, td))
    doc.apply(SetParams(MODEL_ID, td, {"layer": {"type": "Dense", "params": {"units": 2, "activation": "tanh"}}}))
    path = tmp_path / "rnn.strata"
    save_project(doc, path)
    loaded = load_project(path)
    assert loaded.snapshot() == doc.snapshot()
    assert loaded.total_params() == doc.total_params()
    source = export_python(loaded)
    assert "keras.layers.Bidirectional(\n        keras.layers.LSTM(4, return_sequences=True, return_state=True)" in source
    assert "keras.layers.RNN(\n        keras.layers.GRUCell(3)," in source
    namespace = {}
    exec(compile(source, "exported.py", "exec"), namespace)
    model = namespace["build_model"]()
    assert model.count_params() == doc.total_params()
    outs = model(np.zeros((1, 5, 3), "float32"))
    assert [tuple(o.shape) for o in outs] == [(1, 3), (1, 4)]


@pytest.mark.oracle
def test_keras_file_with_wrappers_imports_with_nested_weights(tmp_path):
    import keras

    inp = keras.Input((6, 2), name="seq")
    x = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True), name="bi")(inp)
    x = keras.layers.TimeDistributed(keras.layers.Dense(2), name="td")(x)
    out = keras.layers.RNN(keras.layers.SimpleRNNCell(4), name="rnn")(x)
    model = keras.Model(inp, out)
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    path = tmp_path / "wrapped.keras"
    model.save(path)
    doc = import_keras(path)
    assert doc.problems() == []
    bi = next(n for n in doc.model.nodes.values() if n.label == "bi")
    assert bi.params["layer"]["type"] == "GRU" and bi.params["layer"]["params"]["units"] == 3
    x = rng.random((2, 6, 2)).astype("float32")
    np.testing.assert_allclose(_np(compile_document(doc).model(x)), _np(model(x)), rtol=1e-4, atol=1e-5)


def test_problem_messages_use_labels_and_none_not_placeholder_sizes():
    doc = Document()
    a = add(doc, "Input", {"shape": (4,)})
    b = add(doc, "Input", {"shape": (5,)})
    merge = add(doc, "Add", label="joint")
    conv = add(doc, "Conv2D", {"filters": 2, "kernel_size": 3}, label="features")
    reshape = add(doc, "Reshape", {"target_shape": (7, 3)}, label="grid")
    out = add(doc, "Output")
    wire(doc, a, merge)
    wire(doc, b, merge)
    wire(doc, a, conv)
    wire(doc, a, reshape)
    wire(doc, merge, out)
    messages = {p.node: p.message for p in doc.problems() if p.kind == "shape_mismatch"}
    assert set(messages) == {merge, conv, reshape}
    for message in messages.values():
        assert "(7, 4)" not in message and "(7, 5)" not in message and "7," not in message.replace("(7, 3)", "")
        assert "strata_node" not in message
    assert "(None, 4), (None, 5)" in messages[merge] and '"joint" (Add)' in messages[merge]
    assert '"conv2d' not in messages[conv] and "shape=(None, 4)" in messages[conv]
    assert "(7, 3)" in messages[reshape]          # the user's own tuple is left alone
    assert '"reshape"' not in messages[reshape]
    dot = add(doc, "Dot", {"axes": 1}, label="similarity")
    wire(doc, a, dot)
    message = doc.problems(MODEL_ID, dot)[-1].message
    assert message.count("(Dot)") == 2 and "(Dot) (Dot)" not in message and "strata_node" not in message
    assert 'Layer "similarity" (Dot) must be called on a list' in message


ENDLESS = '''class Spinner(keras.layers.Layer):
    def call(self, inputs):
        while True:
            pass
'''


def test_custom_layer_that_never_finishes_is_reported_not_waited_for(monkeypatch):
    from app.graph import evaluate

    monkeypatch.setattr(evaluate, "CUSTOM_CODE_TIMEOUT_S", 0.3)
    doc = Document()
    i = add(doc, "Input", {"shape": (2,)})
    spin = add(doc, "CustomLayer", {"source": ENDLESS}, label="spinner")
    out = add(doc, "Output")
    wire(doc, i, spin)
    wire(doc, spin, out)
    problems = doc.problems(MODEL_ID, spin)
    assert [p.kind for p in problems] == ["custom_code"]
    assert "did not finish within 0.3 s" in problems[0].message and '"spinner"' in problems[0].message
    # the document stays usable: fixing the code clears the problem
    doc.apply(SetParams(MODEL_ID, spin, {"source": ENDLESS.replace("while True:\n            pass",
                                                                   "return inputs * 2")}))
    assert doc.problems() == []


@pytest.mark.oracle
def test_keras_export_of_wrappers_and_states_builds_in_real_keras():
    doc, _ = _recurrent_doc()
    source = export_python(doc, target="keras")
    namespace = {}
    exec(compile(source, "exported_keras.py", "exec"), namespace)
    model = namespace["build_model"]()
    assert model.count_params() == doc.total_params()
    assert [tuple(o.shape) for o in model.outputs] == [(None, 3), (None, 4)]


def test_a_bad_nested_group_in_a_project_file_is_refused_naming_the_place():
    from app.graph.serialize import ProjectError, document_from_dict, document_to_dict

    doc, (i, bi, td, rnn) = _recurrent_doc()
    data = document_to_dict(doc)
    data["blocks"]["model"]["nodes"][rnn]["params"]["cell"] = {"type": "GRUCell", "params": {"units": "many"}}
    with pytest.raises(ProjectError, match=rf"blocks\.model\.nodes\.{rnn}\.params\.cell: cell\.units must be an "
                                           r"integer, got 'many'"):
        document_from_dict(data)
    data["blocks"]["model"]["nodes"][rnn]["params"]["cell"] = {"type": "Dense", "params": {}}
    with pytest.raises(ProjectError, match=r"cell\.type must be one of GRUCell, LSTMCell, SimpleRNNCell, got 'Dense'"):
        document_from_dict(data)
