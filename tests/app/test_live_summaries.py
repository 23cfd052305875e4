"""Live canvas summaries without a GUI: histogram, tile, sparkline, probe gradients, step terms, step gate."""

import threading

import numpy as np
import pytest

from app.data import load_dataset
from app.training.live import TrainingControl
from app.training.probe import LiveProbe, ProbeEvery, document_spec, instance_prefix, model_spec
from app.training.summaries import feature_tile, gradient_norm, histogram, sparkline, summarize_output
from engine import keras


def test_histogram_counts_match_numpy_and_skip_non_finite():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(8, 50))
    values[0, :3] = [np.nan, np.inf, -np.inf]
    summary = histogram(values, bins=24)
    finite = values[np.isfinite(values)]
    expected, _ = np.histogram(finite, bins=24, range=(finite.min(), finite.max()))
    assert summary["kind"] == "hist" and summary["counts"].dtype == np.int32
    np.testing.assert_array_equal(summary["counts"], expected)
    assert summary["nonfinite"] == 3 and summary["counts"].sum() == finite.size
    assert (summary["lo"], summary["hi"]) == (finite.min(), finite.max())


def test_histogram_of_a_constant_puts_everything_in_the_middle():
    summary = histogram(np.full((4, 3), 2.5), bins=10)
    assert summary["counts"][5] == 12 and summary["counts"].sum() == 12
    assert summary["lo"] < 2.5 < summary["hi"]


def test_feature_tile_shape_dtype_and_pooling():
    rng = np.random.default_rng(1)
    maps = rng.normal(size=(2, 32, 32, 8)).astype("float32")
    tile = feature_tile(maps)
    assert tile["kind"] == "tile" and tile["tile"].shape == (4, 16, 16) and tile["tile"].dtype == np.uint8
    # channel 0 of sample 0, mean-pooled 2x2, scaled to 0..255 on its own range
    pooled = maps[0, :, :, 0].reshape(16, 2, 16, 2).mean(axis=(1, 3))
    expected = np.round((pooled - pooled.min()) / (pooled.max() - pooled.min()) * 255)
    np.testing.assert_array_equal(tile["tile"][0], expected.astype("uint8"))
    assert tile["tile"][0].min() == 0 and tile["tile"][0].max() == 255
    small = feature_tile(np.ones((1, 5, 7, 2)))
    assert small["tile"].shape == (2, 5, 7) and not small["tile"].any()
    first = feature_tile(np.moveaxis(maps, -1, 1), channels_last=False)
    np.testing.assert_array_equal(first["tile"], tile["tile"])


def test_sparkline_averages_time_steps():
    values = np.arange(2 * 100 * 3, dtype="float64").reshape(2, 100, 3)
    spark = sparkline(values)
    assert spark["kind"] == "spark" and spark["steps"] == 100 and spark["values"].shape == (64,)
    short = sparkline(values[:, :10])
    np.testing.assert_allclose(short["values"], values[:, :10].mean(axis=(0, 2)), rtol=1e-6)


def test_summarize_output_picks_the_kind_by_rank():
    assert summarize_output(np.zeros((4, 10)))["kind"] == "hist"
    assert summarize_output(np.zeros((4, 6, 6, 3)))["kind"] == "tile"
    assert summarize_output(np.zeros((4, 12, 5)))["kind"] == "spark"
    assert summarize_output(np.zeros((4, 12, 5)))["shape"] == (4, 12, 5)
    assert gradient_norm(np.array([3.0, 4.0])) == 5.0


def tiny_model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh", name="d1")(inputs)
    outputs = keras.layers.Dense(2, name="d2")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_probe_gradient_norms_equal_explicit_and_finite_difference_gradients():
    model = tiny_model()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")
    payload = LiveProbe(model_spec(model), x, y).run(model)
    w1, b1 = [w.astype("float64") for w in model.get_layer("d1").get_weights()]
    w2, b2 = [w.astype("float64") for w in model.get_layer("d2").get_weights()]
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2

    def loss_of_hidden(hidden):
        return np.mean((hidden @ w2 + b2 - y) ** 2)

    # dL/d(out) of the mean squared error, explicitly
    explicit = 2 * (out - y) / out.size
    np.testing.assert_allclose(payload["grads"]["d2"]["output"], np.linalg.norm(explicit), rtol=1e-4)
    # dL/d(hidden) by central differences in float64
    fd = np.zeros_like(h)
    eps = 1e-6
    for index in np.ndindex(h.shape):
        up, down = h.copy(), h.copy()
        up[index] += eps
        down[index] -= eps
        fd[index] = (loss_of_hidden(up) - loss_of_hidden(down)) / (2 * eps)
    np.testing.assert_allclose(payload["grads"]["d1"]["output"], np.linalg.norm(fd), rtol=1e-4)
    # the input is watched too: the wire out of the Input node has a gradient
    assert payload["grads"][model.inputs[0].name]["output"] > 0
    np.testing.assert_allclose(payload["loss"], loss_of_hidden(h), rtol=1e-5)
    assert payload["nodes"]["d1"]["kind"] == "hist" and payload["nodes"]["d1"]["counts"].sum() == 8 * 4


def test_probe_leaves_metrics_and_running_statistics_alone():
    inputs = keras.Input((3,))
    normed = keras.layers.BatchNormalization(name="bn")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax", name="out")(normed)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(3).normal(size=(16, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[np.arange(16) % 2]
    model.train_on_batch(x, y)
    before = [np.array(v.numpy()) for v in model.metrics_variables + model.non_trainable_weights]
    weights = model.get_weights()
    LiveProbe(model_spec(model), x, y).run(model)
    after = [np.array(v.numpy()) for v in model.metrics_variables + model.non_trainable_weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    assert "bn" in LiveProbe(model_spec(model), x, y).run(model)["nodes"]


def test_probe_sees_batch_normalization_and_its_relu_apart():
    """The engine may run BatchNormalization + ReLU as one op in training; the probe still records
    each layer's own output (the BN card shows negative values, the ReLU card none)."""
    inputs = keras.Input((4,))
    normed = keras.layers.BatchNormalization(name="bn")(keras.layers.Dense(5, name="dense")(inputs))
    outputs = keras.layers.Dense(2, name="out")(keras.layers.ReLU(name="relu")(normed))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(5).normal(size=(16, 4)).astype("float32")
    y = np.zeros((16, 2), "float32")
    model.train_on_batch(x, y)
    nodes = LiveProbe(model_spec(model), x, y).run(model)["nodes"]
    assert {"bn", "relu"} <= set(nodes)
    assert nodes["bn"]["lo"] < 0
    assert nodes["relu"]["lo"] >= 0


def load_example(name):
    from app.graph.project import load_project
    from pathlib import Path

    return load_project(Path(__file__).resolve().parents[2] / "resources" / "examples" / name)


def test_document_spec_maps_block_instances_and_inner_nodes_of_the_resnet_example():
    from app.graph import BLOCK, MODEL_ID
    from app.graph.compiler import compile_document

    doc = load_example("06_resnet.strata")
    compiled = compile_document(doc)
    spec = document_spec(doc, compiled)
    instances = [n.id for n in doc.model.nodes.values() if n.type == BLOCK]
    assert instances and all(any(p == i for paths in spec["layers"].values() for p in paths) for i in instances)
    dataset = load_dataset(doc.settings["data"])
    from app.data.checks import fit_arrays

    x, y = fit_arrays(dataset, compiled.model)
    from app.training.settings import TrainingSettings, compile_model

    compile_model(compiled.model, TrainingSettings(), dataset.task)
    payload = LiveProbe(spec, x, y, samples=4).run(compiled.model)
    first = instances[0]
    definition = doc.model.nodes[first].block
    inner = [n for n in doc.blocks[definition].nodes.values() if n.type == "Conv2D"]
    path = f"{first}/{inner[0].id}"
    assert payload["nodes"][path]["kind"] == "tile" and payload["nodes"][first]["kind"] == "tile"
    assert payload["grads"][path]["output"] > 0
    inner_input = doc.block_inputs(definition)[0].id
    assert f"{first}/{inner_input}" in payload["grads"]  # wires out of a block's Input node
    dense = [n.id for n in doc.model.nodes.values() if n.type == "Dense"]
    assert payload["nodes"][dense[-1]]["kind"] == "hist"
    assert instance_prefix(doc, [MODEL_ID]) == "" and instance_prefix(doc, [MODEL_ID, definition]) == first


def run_in_thread(model, dataset, control, sink, batch_size=8, epochs=1, probe_spec=None):
    from app.training.job import prepare, probe_hook, run_training
    from app.training.settings import TrainingSettings

    settings = TrainingSettings(batch_size=batch_size, epochs=epochs, validation_fraction=0.0)
    prepared = prepare(model, dataset, settings)
    probe = probe_hook(probe_spec, prepared, sink, control)
    done = {}

    def target():
        done["callback"] = run_training(model, dataset, settings, control, sink, prepared=prepared, probe=probe)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, done


def test_step_mode_trains_exactly_one_batch_per_step():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(3)])
    dataset = load_dataset({"dataset": "blobs", "params": {"samples": 64, "classes": 3}})
    control = TrainingControl(step_mode=True)
    reports, paused = [], threading.Event()
    lock = threading.Condition()

    def sink(kind, payload):
        with lock:
            reports.append((kind, payload))
            lock.notify_all()

    def batches():
        return sum(1 for kind, _ in reports if kind == "batch")

    def wait_for(predicate):
        with lock:
            assert lock.wait_for(predicate, timeout=60)

    thread, done = run_in_thread(model, dataset, control, sink, probe_spec=model_spec(model))
    for expected in (1, 2, 3):
        # the run waits in front of the next batch (it said so) with exactly `expected` batches trained
        wait_for(lambda: batches() == expected and sum(k == "paused" for k, _ in reports) >= expected)
        with lock:
            assert batches() == expected
            probes = [p for k, p in reports if k == "probe"]
            assert probes[-1]["batches_done"] == expected  # the canvas is updated after every step
        control.step()
    control.set_step_mode(False)
    thread.join(60)
    assert not thread.is_alive() and batches() == 8  # 64 samples / 8 per batch
    terms = [p["terms"] for k, p in reports if k == "batch"][0]
    kinds = [t["kind"] for t in terms]
    assert kinds[:2] == ["loss", "compiled loss"] and "metric" in kinds
    total, compiled = terms[0]["value"], terms[1]["value"]
    assert total == pytest.approx(compiled)  # no add_loss, no regularizer: the compiled loss is all


def test_batch_terms_name_add_loss_and_add_metric_and_add_up():
    from app.graph.patterns import ActivityRegularizationLayer, LogisticEndpoint

    inputs = keras.Input((2,), name="inputs")
    targets = keras.Input((3,), name="targets")
    hidden = keras.layers.Dense(8, activation="relu", kernel_regularizer="l2", name="hidden")(inputs)
    hidden = ActivityRegularizationLayer(rate=0.01, name="activity")(hidden)
    logits = keras.layers.Dense(3, name="logits")(hidden)
    predictions = LogisticEndpoint(name="endpoint")(targets, logits)
    model = keras.Model([inputs, targets], predictions)
    dataset = load_dataset({"dataset": "blobs", "params": {"samples": 48, "classes": 3}})
    reports = []
    control = TrainingControl()
    from app.training.settings import TrainingSettings
    from app.training.job import prepare, run_training

    settings = TrainingSettings(batch_size=16, epochs=1, validation_fraction=0.0, loss="none (add_loss only)",
                                metrics=[])
    prepared = prepare(model, dataset, settings)
    run_training(model, dataset, settings, control, lambda k, p: reports.append((k, p)), prepared=prepared)
    batch_terms = [p["terms"] for k, p in reports if k == "batch"]
    assert len(batch_terms) == 3
    for terms in batch_terms:
        by_kind = {}
        for term in terms:
            by_kind.setdefault(term["kind"], []).append(term)
        assert [t["name"] for t in by_kind["add_loss"]] == ["activity", "endpoint"]
        assert [t["name"] for t in by_kind["add_metric"]] == ["accuracy"]
        assert "compiled loss" not in by_kind  # compiled without a loss: add_loss only
        parts = sum(t["value"] for t in by_kind["add_loss"]) + by_kind["regularizers"][0]["value"]
        assert by_kind["loss"][0]["value"] == pytest.approx(parts, rel=1e-4)
        assert 0.0 <= by_kind["add_metric"][0]["value"] <= 1.0
    # the per-batch accuracies average to the epoch's logged accuracy (equal batches)
    epoch = [p for k, p in reports if k == "epoch"][0]
    mean = np.mean([[t["value"] for t in terms if t["kind"] == "add_metric"][0] for terms in batch_terms])
    assert mean == pytest.approx(epoch["values"]["accuracy"], rel=1e-5)


def test_probe_every_waits_for_live_or_step_mode_and_reports_errors_once():
    model = tiny_model()
    x = np.zeros((4, 3), "float32")
    sent = []
    control = TrainingControl()
    hook = ProbeEvery(LiveProbe(model_spec(model), x, np.zeros((4, 2), "float32")), lambda k, p: sent.append(p),
                      control, interval_s=0.0)
    hook(model, 1)
    assert sent == []  # the canvas shows nothing: no probe is computed
    control.set_live(True)
    hook(model, 2)
    assert sent[-1]["batches_done"] == 2 and "d1" in sent[-1]["nodes"]
    broken = ProbeEvery(LiveProbe({"layers": {}, "inputs": ["nope"]}, {"wrong": x}), lambda k, p: sent.append(p),
                        control, interval_s=0.0)
    broken(model, 3)
    broken(model, 4)
    assert "error" in sent[-1] and sum("error" in p for p in sent) == 1


def test_shared_weight_instances_get_their_own_outputs_in_call_order():
    from app.graph import AddBlock, AddNode, Connect, Document, MODEL_ID
    from app.graph.compiler import compile_document
    from app.graph.operations import SetSharedWeights

    doc = Document("Shared")
    block = doc.apply(AddBlock("Hidden")).block_id
    inner_in = next(n.id for n in doc.blocks[block].nodes.values() if n.type == "Input")
    inner_out = next(n.id for n in doc.blocks[block].nodes.values() if n.type == "Output")
    dense = doc.apply(AddNode(block, "Dense", {"units": 6, "activation": "tanh"})).node_id
    doc.apply(Connect(block, (inner_in, "output"), (dense, "inputs")))
    doc.apply(Connect(block, (dense, "output"), (inner_out, "inputs")))
    inp = doc.apply(AddNode(MODEL_ID, "Input", {"shape": (6,)})).node_id
    first = doc.apply(AddNode(MODEL_ID, "Block", {}, block_ref=block)).node_id
    second = doc.apply(AddNode(MODEL_ID, "Block", {}, block_ref=block)).node_id
    out = doc.apply(AddNode(MODEL_ID, "Output", {})).node_id
    for src, dst in ((inp, first), (first, second), (second, out)):
        doc.apply(Connect(MODEL_ID, (src, doc.output_ports(MODEL_ID, src)[0].name),
                          (dst, doc.input_ports(MODEL_ID, dst)[0].name)))
    for node in (first, second):
        doc.apply(SetSharedWeights(MODEL_ID, node, True))
    compiled = compile_document(doc)
    spec = document_spec(doc, compiled)
    assert compiled.instances[first] is compiled.instances[second]
    model = compiled.model
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(4).normal(size=(8, 6)).astype("float32")
    payload = LiveProbe(spec, x, np.zeros((8, 6), "float32")).run(model)
    kernel, bias = compiled.layers[f"shared:{block}/{dense}"].get_weights()
    once = np.tanh(x @ kernel + bias)
    np.testing.assert_allclose(payload["nodes"][first]["mean"], once.mean(), rtol=1e-5)
    np.testing.assert_allclose(payload["nodes"][second]["mean"], np.tanh(once @ kernel + bias).mean(), rtol=1e-5)
    assert instance_prefix(doc, [MODEL_ID, block]) == f"shared:{block}"
    assert f"shared:{block}/{dense}" in payload["nodes"]
    # the wire out of the definition's Input node: the first instance's input
    np.testing.assert_allclose(payload["nodes"][f"shared:{block}/{inner_in}"]["mean"], x.mean(), rtol=1e-5)
