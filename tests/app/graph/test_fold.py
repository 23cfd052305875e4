"""Folding repeated structure into linked block instances (app.graph.fold, app.graph.fold_op):
real keras.applications models fold into a few definitions, compute the same numbers, keep
per-instance weights, undo exactly, and lay out as a picture rather than a strip."""

import numpy as np
import pytest

from app.cli import main
from app.graph import MODEL_ID, History
from app.graph.autolayout import block_positions, card_size
from app.graph.compiler import compile_document
from app.graph.document import BLOCK
from app.graph.fold import _storable, plan_folds
from app.graph.fold_op import FoldRepeatedBlocks
from app.graph.importer import import_keras
from app.graph.project import load_project, save_project
from tests.app.graph.test_layout import _forward, _overlaps


def _np(y):
    y = getattr(y, "data", y)
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    return np.asarray(y)


def _predict(doc, x):
    return _np(compile_document(doc).model.predict(x, verbose=0))


def _input(doc, batch=2, seed=0):
    shape = doc.block_inputs(MODEL_ID)[0].params["shape"]
    return np.random.default_rng(seed).normal(size=(batch, *shape)).astype("float32")


def _extent(doc):
    positions = block_positions(doc, MODEL_ID).positions
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    return max(xs) - min(xs) + 184, max(ys) - min(ys) + 100


@pytest.fixture(scope="module")
def resnet50_file(tmp_path_factory):
    import keras

    model = keras.applications.ResNet50(weights=None, include_top=False, pooling="avg", input_shape=(32, 32, 3))
    path = tmp_path_factory.mktemp("apps") / "resnet50.keras"
    model.save(path)
    x = np.random.default_rng(0).normal(size=(2, 32, 32, 3)).astype("float32")
    return path, x, _np(model.predict(x, verbose=0))


@pytest.mark.oracle
def test_resnet50_folds_into_bottleneck_definitions_with_the_same_numbers(resnet50_file):
    path, x, keras_out = resnet50_file
    flat = import_keras(path, fold=False)
    plan = plan_folds(flat)
    assert len(plan.definitions) == 8          # per stage: the projection block and the identity block
    assert plan.instance_count == 16
    assert sorted(len(d.units) for d in plan.definitions) == [1, 1, 1, 1, 2, 2, 3, 5]
    projection = [d for d in plan.definitions if len(d.units[0].nodes) == 12]
    assert len(projection) == 4 and all(len(d.units) == 1 for d in projection)

    before = _predict(flat, x)
    np.testing.assert_allclose(before, keras_out, rtol=1e-3, atol=1e-4)
    snapshot, weights = flat.snapshot(), dict(flat.weights.entries)
    history = History(flat)
    op = FoldRepeatedBlocks(flat)
    history.push(op)
    instances = [n for n in flat.model.nodes.values() if n.type == BLOCK]
    assert len(instances) == 16
    assert {n.label for n in instances} >= {"conv2_block1", "conv3_block4", "conv5_block3"}
    assert len(flat.blocks) == 9
    assert flat.problems() == []
    identity = flat.blocks[next(n.block for n in instances if n.label == "conv4_block2")]
    assert {n.label for n in identity.nodes.values()} >= {"1_conv", "3_bn", "add", "out"}
    # every instance keeps its own weights: two instances of one definition differ
    kernels = [flat.weights.entries[f"{n.id}/{inner}"][1][0] for n in instances if n.block == identity.id
               for inner, node in identity.nodes.items() if node.label == "1_conv"]
    assert len(kernels) == 5 and not np.allclose(kernels[0], kernels[1])
    after = _predict(flat, x)
    np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-7)

    history.undo()
    assert flat.snapshot() == snapshot
    assert flat.weights.entries.keys() == weights.keys()
    np.testing.assert_allclose(_predict(flat, x), before, rtol=1e-6, atol=1e-7)
    history.redo()
    assert sum(n.type == BLOCK for n in flat.model.nodes.values()) == 16
    np.testing.assert_allclose(_predict(flat, x), before, rtol=1e-6, atol=1e-7)


@pytest.mark.oracle
def test_import_folds_by_default_and_lays_out_as_a_picture(resnet50_file):
    path, x, keras_out = resnet50_file
    folded = import_keras(path)
    assert sum(n.type == BLOCK for n in folded.model.nodes.values()) == 16
    np.testing.assert_allclose(_predict(folded, x), keras_out, rtol=1e-3, atol=1e-4)
    width, height = _extent(folded)
    assert 0.4 < width / height < 4
    flat = import_keras(path, fold=False)
    assert not any(n.type == BLOCK for n in flat.model.nodes.values())
    width, height = _extent(flat)
    assert 0.4 < width / height < 4 and width < 12000      # not a 60,000 px strip
    for doc in (folded, flat):
        layout = block_positions(doc, MODEL_ID)
        sizes = {nid: card_size(doc, MODEL_ID, nid) for nid in doc.model.nodes}
        edges = [(e.src[0], e.dst[0]) for e in doc.model.edges.values()]
        assert not _overlaps(layout, sizes)
        assert not _forward(layout, edges, "LR", sizes)
        assert layout.crossings == 0
        placed = {nid: tuple(n.position) for nid, n in doc.model.nodes.items()}
        assert placed == {nid: (round(x, 1), round(y, 1)) for nid, (x, y) in layout.positions.items()}


@pytest.mark.oracle
def test_inception_and_mobilenet_fold_their_modules(tmp_path):
    import keras

    inception = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg",
                                               input_shape=(75, 75, 3))
    path = tmp_path / "inception.keras"
    inception.save(path)
    flat = import_keras(path, fold=False)
    width, height = _extent(flat)
    assert 0.4 < width / height < 4 and width < 16000
    plan = plan_folds(flat)
    names = sorted(flat.model.nodes[u.nodes[-1]].label for d in plan.definitions for u in d.units)
    assert names == ["mixed0", "mixed1", "mixed10", "mixed2", "mixed4", "mixed5", "mixed6", "mixed7", "mixed9"]
    assert len(plan.definitions) == 6                 # mixed1/2, mixed5/6 and mixed9/10 share one each
    x = _input(flat)
    before = _predict(flat, x)
    flat.apply(FoldRepeatedBlocks(flat, plan))
    np.testing.assert_allclose(_predict(flat, x), before, rtol=1e-6, atol=1e-7)
    saved = tmp_path / "inception.strata"
    save_project(flat, saved)
    reopened = load_project(saved)
    np.testing.assert_allclose(_predict(reopened, x), before, rtol=1e-6, atol=1e-7)

    mobilenet = keras.applications.MobileNetV2(weights=None, include_top=False, pooling="avg",
                                               input_shape=(32, 32, 3))
    path = tmp_path / "mobilenet.keras"
    mobilenet.save(path)
    flat = import_keras(path, fold=False)
    plan = plan_folds(flat)
    with_skip = [d for d in plan.definitions if any(flat.model.nodes[n].type == "Add" for n in d.units[0].nodes)]
    assert (len(with_skip), sum(len(d.units) for d in with_skip)) == (5, 10)   # the inverted residuals with a skip
    # the six without a skip fold too (one definition each), unless their ZeroPadding2D
    # parameters cannot be stored in a block definition (then they stay flat)
    pad = next(n for n in flat.model.nodes.values() if n.label == "block_1_pad")
    expected = (11, 16) if _storable(pad) else (7, 12)
    assert (len(plan.definitions), plan.instance_count) == expected
    x = _input(flat)
    before = _predict(flat, x)
    flat.apply(FoldRepeatedBlocks(flat, plan))
    np.testing.assert_allclose(_predict(flat, x), before, rtol=1e-6, atol=1e-7)


def _residual_model(keras, concat_last=False):
    inputs = keras.Input(shape=(6,), name="x")
    h = keras.layers.Dense(6, name="stem")(inputs)
    for i in range(3):
        a = keras.layers.Dense(6, activation="relu", name=f"block{i}_a")(h)
        a = keras.layers.Dense(6, name=f"block{i}_b")(a)
        h = keras.layers.Add(name=f"block{i}_add")([h, a])
    side = keras.layers.Dense(3, name="side")(inputs)
    merged = keras.layers.Concatenate(name="merge")([side, h] if concat_last else [h, side])
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(merged))


@pytest.mark.oracle
@pytest.mark.parametrize("concat_last", [False, True])
def test_small_residual_model_folds_keeps_merge_order_and_saves(tmp_path, concat_last):
    import keras

    model = _residual_model(keras, concat_last)
    path = tmp_path / "res.keras"
    model.save(path)
    x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    expected = _np(model.predict(x, verbose=0))
    doc = import_keras(path)
    instances = [n for n in doc.model.nodes.values() if n.type == BLOCK]
    assert [n.label for n in sorted(instances, key=lambda n: n.position)] == ["block0", "block1", "block2"]
    assert len({n.block for n in instances}) == 1
    np.testing.assert_allclose(_predict(doc, x), expected, rtol=1e-4, atol=1e-5)
    save_project(doc, tmp_path / "res.strata")
    np.testing.assert_allclose(_predict(load_project(tmp_path / "res.strata"), x), expected, rtol=1e-4, atol=1e-5)


def test_nothing_repeats_nothing_folds():
    from tests.app.graph.helpers import mlp_document

    doc, _ = mlp_document()
    assert plan_folds(doc).definitions == []


@pytest.mark.oracle
def test_cli_import_no_fold_keeps_the_graph_flat(tmp_path):
    import keras

    path = tmp_path / "res.keras"
    _residual_model(keras).save(path)
    assert main(["import", str(path), "-o", str(tmp_path / "folded.strata")]) == 0
    assert main(["import", str(path), "-o", str(tmp_path / "flat.strata"), "--no-fold"]) == 0
    folded = load_project(tmp_path / "folded.strata")
    flat = load_project(tmp_path / "flat.strata")
    assert sum(n.type == BLOCK for n in folded.model.nodes.values()) == 3
    assert not any(n.type == BLOCK for n in flat.model.nodes.values())
