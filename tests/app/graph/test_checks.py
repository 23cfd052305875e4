"""Live checks: every problem kind is attached to its node with a message naming it."""

from app.graph import CUSTOM, MODEL_ID, Connect, Document, SetParams
from app.graph.catalogue import catalogue, categories, node_ports
from tests.app.graph.helpers import add, mlp_document, wire

BAD_CUSTOM = '''class Broken(keras.layers.Layer):
    def call(self, inputs):
        x = inputs * 2
        return undefined_name + x
'''


def kinds(doc, node=None):
    return sorted(p.kind for p in doc.problems(MODEL_ID, node))


def test_catalogue_lists_engine_layers_with_typed_parameters():
    cat = catalogue()
    from app.graph.catalogue import standalone_layer
    from engine.layers import CATEGORIES, builtin_layers

    for name, cls in builtin_layers().items():
        if name != "InputLayer" and standalone_layer(cls):
            assert name in cat and cat[name].category == CATEGORIES[name]
    assert "Conv2D" in cat and "LSTM" in cat and "BatchNormalization" in cat
    from app.graph.wrappers import cell_names, nested_type

    for name in builtin_layers():       # every engine layer is a node, or (cells) a nested type
        if name == "InputLayer":
            continue
        if name in cell_names():
            assert name not in cat and nested_type(name) is not None
        elif name != "ConvLSTMCell":     # needs a rank: only used inside ConvLSTM1D/2D/3D
            assert name in cat, name
    dense = cat["Dense"]
    assert dense.param("units").kind == "int" and dense.param("units").required
    assert dense.param("activation").kind == "activation" and "relu" in dense.param("activation").choices
    assert dense.param("kernel_initializer").kind == "initializer"
    assert dense.param("kernel_regularizer").kind == "regularizer"
    assert dense.param("use_bias").kind == "bool" and dense.param("use_bias").default is True
    assert "densely-connected" in dense.doc
    for special in ("Input", "Output", CUSTOM, "ActivityRegularizationLayer", "LogisticEndpoint"):
        assert special in cat
    assert [p.name for p in cat["LogisticEndpoint"].inputs] == ["targets", "logits"]
    assert "Core" in categories()


def test_custom_layer_ports_come_from_call_signature():
    doc = Document()
    src = "class Two(keras.layers.Layer):\n    def call(self, a, b, scale=None, training=None):\n        return a + b\n"
    nid = add(doc, CUSTOM, {"source": src})
    ins, outs = node_ports(doc, doc.model.nodes[nid])
    assert [(p.name, p.optional) for p in ins] == [("a", False), ("b", False), ("scale", True)]


def test_shape_mismatch_names_node_port_and_shapes():
    doc = Document()
    x = add(doc, "Input", {"shape": (3,)}, label="x")
    t = add(doc, "Input", {"shape": (10,)}, label="t")
    dense = add(doc, "Dense", {"units": 2}, label="head")
    end = add(doc, "LogisticEndpoint", label="end")
    out = add(doc, "Output")
    wire(doc, x, dense)
    wire(doc, t, end, dst_port="targets")
    wire(doc, dense, end, dst_port="logits")
    wire(doc, end, out)
    problems = [p for p in doc.problems() if p.node == end]
    assert [p.kind for p in problems] == ["shape_mismatch"]
    assert '"end" (LogisticEndpoint)' in problems[0].message
    assert "targets=(None, 10)" in problems[0].message and "logits=(None, 2)" in problems[0].message
    doc.apply(SetParams(MODEL_ID, dense, {"units": 10}))
    assert doc.problems() == []
    doc.apply(SetParams(MODEL_ID, x, {"shape": ()}))
    problems = [p for p in doc.problems() if p.node == dense]
    assert problems[0].kind == "shape_mismatch" and "inputs=(None,)" in problems[0].message


def test_merging_shape_mismatch_or_parameter_error_named():
    doc, (i, d1, d2, o) = mlp_document()
    doc.apply(SetParams(MODEL_ID, d2, {"units": -3}))
    problem = [p for p in doc.problems() if p.node == d2][0]
    assert problem.kind == "invalid_parameter" and problem.param == "units"
    assert '"dense_2" (Dense)' in problem.message and "-3" in problem.message
    assert doc.output_shapes(MODEL_ID, d2) == {"output": None}
    assert [p for p in doc.problems() if p.node == o] == []     # no cascade
    doc.apply(SetParams(MODEL_ID, d2, {"units": 4}))
    assert doc.problems() == []


def test_missing_input_dangling_output_and_no_output():
    doc = Document()
    dense = add(doc, "Dense", {"units": 2})
    assert kinds(doc, dense) == ["dangling_output", "missing_input"]
    msg = [p for p in doc.problems() if p.kind == "missing_input"][0].message
    assert "'inputs' is not connected" in msg and '"dense_1"' in msg
    assert any(p.kind == "no_output" for p in doc.problems())


def test_cycle_reported_on_each_node_of_the_cycle():
    doc, (i, d1, d2, o) = mlp_document()
    d3 = add(doc, "Dense", {"units": 32})
    wire(doc, d2, d3)
    doc.apply(Connect(MODEL_ID, (d3, "output"), (d1, "inputs")))
    cyclic = {p.node for p in doc.problems() if p.kind == "cycle"}
    assert cyclic == {d1, d2, d3}
    assert "cycle" in [p for p in doc.problems() if p.node == d1][0].message


def test_invalid_input_shape_is_a_problem_not_an_exception():
    doc, (i, d1, d2, o) = mlp_document()
    doc.apply(SetParams(MODEL_ID, i, {"shape": "abc"}))
    problem = [p for p in doc.problems() if p.node == i][0]
    assert problem.kind == "invalid_parameter" and problem.param == "shape" and "'abc'" in problem.message


def test_custom_code_failure_reports_line_number():
    doc = Document()
    i = add(doc, "Input", {"shape": (3,)})
    c = add(doc, CUSTOM, {"source": BAD_CUSTOM})
    o = add(doc, "Output")
    wire(doc, i, c)
    wire(doc, c, o)
    problem = [p for p in doc.problems() if p.node == c][0]
    assert problem.kind == "custom_code" and problem.line == 4 and "undefined_name" in problem.message
    doc.apply(SetParams(MODEL_ID, c, {"source": "class A(keras.layers.Layer):\n    def call(self, x)\n"}))
    problem = [p for p in doc.problems() if p.node == c][0]
    assert problem.kind == "custom_code" and problem.line == 2


def test_custom_code_inactive_when_untrusted():
    doc = Document()
    doc.trusted = False
    i = add(doc, "Input", {"shape": (3,)})
    c = add(doc, CUSTOM)
    o = add(doc, "Output")
    wire(doc, i, c)
    wire(doc, c, o)
    assert [p.kind for p in doc.problems() if p.node == c] == ["untrusted"]


def test_patterns_check_like_the_guide():
    doc = Document()
    x = add(doc, "Input", {"shape": (3,), "name": "inputs"})
    t = add(doc, "Input", {"shape": (10,), "name": "targets"})
    logits = add(doc, "Dense", {"units": 10})
    end = add(doc, "LogisticEndpoint")
    out = add(doc, "Output")
    wire(doc, x, logits)
    wire(doc, t, end, dst_port="targets")
    wire(doc, logits, end, dst_port="logits")
    wire(doc, end, out)
    assert doc.problems() == []
    assert doc.output_shapes(MODEL_ID, end) == {"output": (None, 10)}
    assert doc.total_params() == 3 * 10 + 10


def test_incremental_recheck_touches_only_what_the_edit_reaches():
    from app.graph.checks import Checker

    doc, ids = mlp_document(units=tuple(8 + i % 2 for i in range(30)), input_dim=8)
    checker = doc.checker
    evaluated = []
    original = checker._evaluate_node

    def counting(block_id, nid, *args):
        evaluated.append(nid)
        return original(block_id, nid, *args)

    checker._evaluate_node = counting
    mid = ids[15]
    doc.apply(SetParams(MODEL_ID, mid, {"activation": "tanh"}))
    assert set(evaluated) == {ids[14], mid, ids[16]}          # the node and its neighbours
    evaluated.clear()
    doc.apply(SetParams(MODEL_ID, mid, {"units": 3}))           # next node's params change, shapes after it do not
    assert set(evaluated) == {ids[14], mid, ids[16]}
    assert doc.param_count(MODEL_ID, ids[16]) == 3 * 9 + 9
    fresh = Checker(doc)
    fresh.update({(MODEL_ID, None)})
    assert fresh.model_state.outputs == checker.model_state.outputs
    assert fresh.model_state.params == checker.model_state.params
    assert fresh.problems() == checker.problems()


def test_every_builtin_layer_builds_from_its_default_parameters():
    from app.graph.catalogue import default_params
    from app.graph.evaluate import make_layer

    built = 0
    for name, t in catalogue().items():
        if t.layer_class is not None:
            make_layer(name, default_params(name))
            built += 1
    assert built >= 3


def test_convolution_shapes_and_counts_match_the_compiled_model():
    from app.graph.compiler import compile_document

    doc = Document()
    i = add(doc, "Input", {"shape": (12, 12, 1)})
    conv = add(doc, "Conv2D", {"filters": 8, "kernel_size": (3, 3), "padding": "same", "activation": "relu"})
    pool = add(doc, "MaxPooling2D", {"pool_size": (2, 2)})
    o = add(doc, "Output")
    wire(doc, i, conv)
    wire(doc, conv, pool)
    wire(doc, pool, o)
    assert doc.problems() == []
    assert doc.output_shapes(MODEL_ID, conv) == {"output": (None, 12, 12, 8)}
    assert doc.output_shapes(MODEL_ID, pool) == {"output": (None, 6, 6, 8)}
    assert doc.param_count(MODEL_ID, conv) == 3 * 3 * 1 * 8 + 8
    assert compile_document(doc).model.count_params() == doc.total_params() == 80
    doc.apply(SetParams(MODEL_ID, conv, {"padding": "bogus"}))
    problem = [p for p in doc.problems() if p.node == conv][0]
    assert problem.kind == "invalid_parameter" and problem.param == "padding" and "bogus" in problem.message


def test_wrapper_layers_and_cells_are_not_standalone_nodes():
    from app.graph.catalogue import params_from_signature, standalone_layer
    from engine import keras

    class Wrapper(keras.layers.Layer):
        def __init__(self, layer, merge_mode="concat", **kwargs):
            super().__init__(**kwargs)

    class TinyCell(keras.layers.Layer):
        pass

    class Lookup(keras.layers.Layer):
        def __init__(self, input_dim, output_dim, padding="valid", **kwargs):
            super().__init__(**kwargs)

    assert not standalone_layer(Wrapper) and not standalone_layer(TinyCell) and standalone_layer(Lookup)
    specs = {s.name: s for s in params_from_signature(Lookup)}
    assert specs["input_dim"].required and specs["input_dim"].kind == "int"   # required args are kept
    assert specs["padding"].kind == "enum" and "same" in specs["padding"].choices
