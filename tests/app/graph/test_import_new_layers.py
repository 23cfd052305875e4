"""Layers added for the Keras guides (layers17) through the graph: each is in the catalogue with
typed Inspector fields and placeable with its defaults; a real Keras model using them imports,
saves, reopens and predicts what Keras predicts; both export targets give code that runs and
predicts the same with the trained weights."""

import importlib.util

import numpy as np
import pytest

from app.cli import main
from app.graph import MODEL_ID
from app.graph.catalogue import INT, default_params, node_type
from app.graph.compiler import compile_document
from app.graph.document import Document
from app.graph.export_files import write_export
from app.graph.project import load_project
from tests.app.graph.helpers import add, wire

NEW_LAYERS = {"UnitNormalization": "Normalization", "RandomCrop": "Preprocessing",
              "RandomBrightness": "Preprocessing"}


@pytest.mark.parametrize("name,category", sorted(NEW_LAYERS.items()))
def test_new_layer_is_in_the_catalogue_and_places_with_its_defaults(name, category):
    t = node_type(name)
    assert t is not None and t.category == category and t.doc
    assert [p.name for p in t.inputs] == ["inputs"]
    if name == "RandomCrop":
        assert t.param("height").kind == INT and t.param("width").kind == INT
    doc = Document()
    shape = (8, 8, 3) if name.startswith("Random") else (5,)
    first = add(doc, "Input", {"shape": shape})
    node = add(doc, name, default_params(name))
    wire(doc, first, node)
    wire(doc, node, add(doc, "Output"))
    assert doc.problems() == [], doc.problems()
    x = np.random.default_rng(0).uniform(0, 255, (2,) + shape).astype("float32")
    compile_document(doc).model.predict(x, verbose=0)


def _keras_model():
    import keras

    rng = np.random.default_rng(3)
    inputs = keras.Input(shape=(10, 12, 3), name="image")
    x = keras.layers.RandomBrightness((-0.2, 0.3), value_range=(0.0, 255.0), name="bright")(inputs)
    x = keras.layers.RandomCrop(8, 9, name="crop")(x)
    x = keras.layers.Conv2D(4, 3, name="conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(6, name="dense")(x)
    outputs = keras.layers.UnitNormalization(name="unit")(x)
    return keras.Model(inputs, outputs), rng.uniform(0, 255, (2, 10, 12, 3)).astype("float32")


def _module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.oracle
def test_keras_model_with_new_layers_imports_reopens_and_exports(tmp_path, capsys):
    model, x = _keras_model()
    expected = np.asarray(model.predict(x, verbose=0))
    path = tmp_path / "new.keras"
    model.save(path)
    project = tmp_path / "new.strata"
    assert main(["import", str(path), "-o", str(project)]) == 0, capsys.readouterr().err
    doc = load_project(project)
    assert doc.problems() == []
    by_type = {n.type: n for n in doc.model.nodes.values()}
    assert set(NEW_LAYERS) <= set(by_type)
    assert by_type["RandomCrop"].params["height"] == 8 and by_type["RandomBrightness"].params["factor"] in (
        [-0.2, 0.3], (-0.2, 0.3))
    got = np.asarray(compile_document(doc).model.predict(x, verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)

    for target in ("keras", "engine"):
        code = tmp_path / f"new_{target}.py"
        write_export(doc, code, target, weights=True)
        text = code.read_text()
        assert "RandomCrop(" in text and "RandomBrightness(" in text and "UnitNormalization(" in text
        again = np.asarray(_module(code, f"new_{target}").load_trained_model().predict(x, verbose=0))
        np.testing.assert_allclose(again, expected, rtol=1e-4, atol=1e-5, err_msg=target)


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
def test_attention_node_takes_query_value_key_on_one_port_in_wiring_order(name):
    t = node_type(name)
    assert t.category == "Attention" and len(t.inputs) == 1 and t.inputs[0].variadic
    assert {p.name for p in t.params} >= {"use_scale", "dropout"}
    doc = Document()
    query = add(doc, "Input", {"shape": (3, 4), "name": "query"})
    value = add(doc, "Input", {"shape": (5, 6), "name": "value"})
    key = add(doc, "Input", {"shape": (5, 4), "name": "key"})
    node = add(doc, name, default_params(name))
    for source in (query, value, key):
        wire(doc, source, node)
    wire(doc, node, add(doc, "Output"))
    assert doc.problems() == []
    assert doc.checker.state(MODEL_ID).outputs[node]["output"] == (None, 3, 6)
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(2,) + s).astype("float32") for s in ((3, 4), (5, 6), (5, 4))]
    assert compile_document(doc).model.predict(data, verbose=0).shape == (2, 3, 6)
    doc2 = Document()
    only = add(doc2, "Input", {"shape": (3, 4)})
    lonely = add(doc2, name, default_params(name))
    wire(doc2, only, lonely)
    wire(doc2, lonely, add(doc2, "Output"))
    assert any("[query, value]" in p.message for p in doc2.problems())


def _keras_attention_model():
    import keras

    query_in = keras.Input((4,), dtype="int32", name="query_tokens")
    value_in = keras.Input((6,), dtype="int32", name="value_tokens")
    q = keras.layers.Embedding(12, 8, mask_zero=True, name="embed_query")(query_in)
    v = keras.layers.Embedding(12, 8, mask_zero=True, name="embed_value")(value_in)
    dot = keras.layers.Attention(use_scale=True, score_mode="concat", name="dot")([q, v])
    additive = keras.layers.AdditiveAttention(name="additive")([q, v, v])
    pooled = [keras.layers.GlobalAveragePooling1D(name=f"pool_{i}")(t) for i, t in enumerate((dot, additive))]
    outputs = keras.layers.Dense(3, name="head")(keras.layers.Concatenate(name="cat")(pooled))
    tokens = [np.array([[3, 4, 0, 0], [5, 6, 7, 0]]), np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 0]])]
    return keras.Model([query_in, value_in], outputs), tokens


@pytest.mark.oracle
def test_keras_attention_model_with_masks_imports_reopens_and_exports(tmp_path, capsys):
    model, tokens = _keras_attention_model()
    model.get_layer("dot").set_weights([np.array(1.3, "float32"), np.array(0.7, "float32")])
    expected = np.asarray(model.predict(tokens, verbose=0))
    path = tmp_path / "att.keras"
    model.save(path)
    project = tmp_path / "att.strata"
    assert main(["import", str(path), "-o", str(project)]) == 0, capsys.readouterr().err
    doc = load_project(project)
    assert doc.problems() == []
    types = [n.type for n in doc.model.nodes.values()]
    assert "Attention" in types and "AdditiveAttention" in types and "ConvertToTensor" not in " ".join(types)
    got = np.asarray(compile_document(doc).model.predict(tokens, verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    for target in ("keras", "engine"):
        code = tmp_path / f"att_{target}.py"
        write_export(doc, code, target, weights=True)
        again = np.asarray(_module(code, f"att_{target}").load_trained_model().predict(tokens, verbose=0))
        np.testing.assert_allclose(again, expected, rtol=1e-4, atol=1e-5, err_msg=target)


@pytest.mark.oracle
def test_import_refuses_a_causal_mask_by_name_and_writes_nothing(tmp_path, capsys):
    import keras

    x = keras.Input((5, 4), name="seq")
    model = keras.Model(x, keras.layers.Attention(name="self_attention")([x, x], use_causal_mask=True))
    path = tmp_path / "causal.keras"
    model.save(path)
    project = tmp_path / "causal.strata"
    assert main(["import", str(path), "-o", str(project)]) == 1
    err = capsys.readouterr().err
    assert "self_attention" in err and "use_causal_mask=True" in err and "Traceback" not in err
    assert not project.exists()


def test_multi_head_attention_node_has_query_value_and_optional_key_ports():
    t = node_type("MultiHeadAttention")
    assert t.category == "Attention"
    assert [(p.name, p.optional) for p in t.inputs] == [("query", False), ("value", False), ("key", True)]
    assert t.param("num_heads").kind == INT and t.param("key_dim").kind == INT
    for with_key in (False, True):
        doc = Document()
        query = add(doc, "Input", {"shape": (3, 4), "name": "query"})
        value = add(doc, "Input", {"shape": (5, 6), "name": "value"})
        node = add(doc, "MultiHeadAttention", default_params("MultiHeadAttention"))
        wire(doc, query, node, dst_port="query")
        wire(doc, value, node, dst_port="value")
        if with_key:
            wire(doc, add(doc, "Input", {"shape": (5, 2), "name": "key"}), node, dst_port="key")
        wire(doc, node, add(doc, "Output"))
        assert doc.problems() == [], doc.problems()
        assert doc.checker.state(MODEL_ID).outputs[node]["output"] == (None, 3, 4)
        params = 4 * 32 + 32 + (2 if with_key else 6) * 32 + 32 + 6 * 32 + 32 + 32 * 4 + 4
        assert doc.total_params() == params
        rng = np.random.default_rng(1)
        shapes = [(3, 4), (5, 6)] + ([(5, 2)] if with_key else [])
        data = [rng.normal(size=(2,) + s).astype("float32") for s in shapes]
        assert compile_document(doc).model.predict(data, verbose=0).shape == (2, 3, 4)


@pytest.mark.oracle
def test_keras_transformer_block_imports_reopens_and_exports(tmp_path, capsys):
    import keras

    tokens_in = keras.Input((6,), dtype="int32", name="tokens")
    memory_in = keras.Input((4, 5), name="memory")
    x = keras.layers.Embedding(20, 8, mask_zero=True, name="embed")(tokens_in)
    attended = keras.layers.MultiHeadAttention(2, 4, name="self_attention")(x, x)
    x = keras.layers.LayerNormalization(name="norm")(keras.layers.Add(name="residual")([x, attended]))
    x = keras.layers.MultiHeadAttention(3, 2, value_dim=3, output_shape=6, use_bias=False, name="cross")(
        x, memory_in, memory_in)
    outputs = keras.layers.Dense(2, name="head")(keras.layers.GlobalAveragePooling1D(name="pool")(x))
    model = keras.Model([tokens_in, memory_in], outputs)
    rng = np.random.default_rng(6)
    model.set_weights([w + rng.normal(scale=0.2, size=w.shape).astype("float32") for w in model.get_weights()])
    data = [np.array([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 1, 2]]), rng.normal(size=(2, 4, 5)).astype("float32")]
    expected = np.asarray(model.predict(data, verbose=0))
    path = tmp_path / "transformer.keras"
    model.save(path)
    from engine import keras as engine_keras     # the residual Add hands on its masks as LogicalOr

    np.testing.assert_allclose(engine_keras.models.load_model(str(path)).predict(data, verbose=0), expected,
                               rtol=1e-4, atol=1e-5)
    project = tmp_path / "transformer.strata"
    assert main(["import", str(path), "-o", str(project)]) == 0, capsys.readouterr().err
    doc = load_project(project)
    assert doc.problems() == []
    assert [n.type for n in doc.model.nodes.values()].count("MultiHeadAttention") == 2
    got = np.asarray(compile_document(doc).model.predict(data, verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    for target in ("keras", "engine"):
        code = tmp_path / f"transformer_{target}.py"
        write_export(doc, code, target, weights=True)
        again = np.asarray(_module(code, f"transformer_{target}").load_trained_model().predict(data, verbose=0))
        np.testing.assert_allclose(again, expected, rtol=1e-4, atol=1e-5, err_msg=target)
