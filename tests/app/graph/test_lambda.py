"""The Lambda node: whitelisted expressions over x, parsed and interpreted, never eval'd."""

import numpy as np
import pytest

from app.graph import MODEL_ID, Document, SetParams
from app.graph.catalogue import categories
from app.graph.compiler import compile_document
from app.graph.export import export_python
from app.graph.expression import ExpressionError, expression_function, parse_expression
from app.graph.importer import ImportError_, import_keras
from app.graph.project import load_project, save_project
from engine import keras
from tests.app.graph.helpers import add, wire


def _np(y):
    return np.asarray(getattr(y, "data", y))


def _lambda_doc(expression):
    doc = Document()
    i = add(doc, "Input", {"shape": (3, 4)})
    lam = add(doc, "Lambda", {"expression": expression}, label="squash")
    o = add(doc, "Output")
    wire(doc, i, lam)
    wire(doc, lam, o)
    return doc, lam


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hi')", "x.__class__", "open('f')", "(lambda y: y)(x)", "[i for i in x]",
    "ops.tanh(y)", "np.tanh(x)", "ops.__dict__", "x if x else x", "ops.tanh(x, axis='a')", "",
    "ops.tanh(**{'a': 1})", "x @ x",
])
def test_anything_outside_the_grammar_is_refused(text):
    with pytest.raises(ExpressionError):
        parse_expression(text)


def test_expressions_compute_like_the_ops_they_name():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_allclose(_np(expression_function("ops.tanh(x) * 2")(x)), np.tanh(x) * 2, rtol=1e-6)
    np.testing.assert_allclose(_np(expression_function("ops.mean(x, axis=-1, keepdims=True) - 1")(x)),
                               x.mean(-1, keepdims=True) - 1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(expression_function("-x[:, 0] ** 2")(x)), -x[:, 0] ** 2, rtol=1e-6)
    assert "Lambda" in categories()["Core"]


def test_lambda_node_shapes_problems_compile_save_and_export(tmp_path):
    doc, lam = _lambda_doc("ops.mean(x, axis=-1)")
    assert doc.problems() == []
    assert doc.output_shapes(MODEL_ID, lam) == {"output": (None, 3)}
    doc.apply(SetParams(MODEL_ID, lam, {"expression": "os.system('x')"}))
    problems = doc.problems(MODEL_ID, lam)
    assert [p.kind for p in problems] == ["invalid_parameter"] and problems[0].param == "expression"
    assert '"squash" (Lambda)' in problems[0].message and "only ops.<name>(...) can be called" in problems[0].message
    doc.apply(SetParams(MODEL_ID, lam, {"expression": "ops.tanh(x) * 2"}))
    path = tmp_path / "lam.strata"
    save_project(doc, path)
    loaded = load_project(path)
    model = compile_document(loaded).model
    x = np.random.default_rng(1).random((2, 3, 4)).astype("float32")
    np.testing.assert_allclose(_np(model(x)), np.tanh(x) * 2, rtol=1e-6)
    model.save(tmp_path / "lam.keras")                      # no bytecode: loads in safe mode
    again = keras.saving.load_model(tmp_path / "lam.keras")
    np.testing.assert_allclose(_np(again(x)), np.tanh(x) * 2, rtol=1e-6)
    reopened = import_keras(tmp_path / "lam.keras")
    assert [n.params for n in reopened.model.nodes.values() if n.type == "Lambda"] == [
        {"expression": "ops.tanh(x) * 2"}]
    source = export_python(loaded)
    assert "keras.layers.Lambda(lambda x: keras.ops.tanh(x) * 2" in source
    namespace = {}
    exec(compile(source, "exported.py", "exec"), namespace)
    np.testing.assert_allclose(_np(namespace["build_model"]()(x)), np.tanh(x) * 2, rtol=1e-6)


@pytest.mark.oracle
def test_keras_lambda_with_bytecode_is_refused_on_import(tmp_path):
    import keras as real_keras

    inp = real_keras.Input((2,))
    model = real_keras.Model(inp, real_keras.layers.Lambda(lambda t: t * 2, name="double")(inp))
    model.save(tmp_path / "bytecode.keras")
    with pytest.raises(ImportError_, match="'double' is a Lambda: the file stores its Python function as bytecode"):
        import_keras(tmp_path / "bytecode.keras")
