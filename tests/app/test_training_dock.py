"""The Training panel driven as a user would: real widgets, a real worker thread, offscreen."""

import numpy as np
import pytest

from app.data import Dataset, load_dataset
from app.training.dock import TrainingPanel
from engine import keras, tf

WAIT_MS = 60000


def spiral_model():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(24, activation="relu"),
                             keras.layers.Dense(24, activation="relu"), keras.layers.Dense(3)])


@pytest.fixture
def panel(qtbot):
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    yield widget
    widget.runner.shutdown()


@pytest.fixture(params=["process", "thread"])
def any_panel(qtbot, request):
    """A panel training in the child process, or (fallback for unpicklable models) in a thread."""
    widget = TrainingPanel()
    widget.runner.use_process = request.param == "process"
    qtbot.addWidget(widget)
    yield widget
    widget.runner.shutdown()


def train_and_wait(qtbot, panel):
    with qtbot.waitSignal(panel.runFinished, timeout=WAIT_MS) as blocker:
        assert panel.train(), panel.message.text()
    return blocker.args[0]


def test_spiral_training_draws_falling_loss(qtbot, panel):
    panel.set_dataset(load_dataset({"dataset": "spiral", "params": {"samples": 240, "seed": 1}}))
    panel.set_model(spiral_model())
    panel.epochs.setValue(6)
    panel.learning_rate.setValue(0.02)
    boundaries = []
    panel.boundaryReady.connect(boundaries.append)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "finished"
    xs, ys = panel.plots.points("loss", panel.run, "epoch")
    assert len(xs) == 6 and ys[-1] < ys[0]
    bx, by = panel.plots.points("loss", panel.run, "batch")
    assert len(bx) == 6 * 6  # 192 training samples / 32 per batch
    vx, vy = panel.plots.points("loss", panel.run, "val")
    assert len(vx) == 6
    assert "accuracy" in panel.plots.plots
    # a fine grid at each epoch end, a coarse one every 10 batches within epochs (36 batches)
    fine = [b for b in boundaries if b[2].shape == (48, 48)]
    coarse = [b for b in boundaries if b[2].shape == (24, 24)]
    assert len(fine) == 6 and len(coarse) == 36 // 10 and len(boundaries) == 9
    assert boundaries[-1][2].shape == (48, 48)
    assert panel.runner.in_process  # a plain Sequential pickles: it trained in the child process
    assert panel.progress.value() == 100 and "samples/s" not in panel.message.text()


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy()

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        acc = self.accuracy_fn(targets, logits, sample_weights)
        self.add_metric(acc, name="accuracy")
        return tf.nn.softmax(logits)


def test_add_metric_and_add_loss_get_their_own_plots(qtbot, panel):
    inputs = keras.Input(shape=(2,), name="inputs")
    targets = keras.Input(shape=(3,), name="targets")
    logits = keras.layers.Dense(3)(inputs)
    predictions = LogisticEndpoint(name="predictions")(logits, targets)
    panel.set_model(keras.Model(inputs=[inputs, targets], outputs=predictions))
    panel.set_dataset(load_dataset({"dataset": "blobs", "params": {"samples": 120}}))
    panel.loss.setCurrentText("none (add_loss only)")
    panel.epochs.setValue(3)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "finished", panel.message.text()
    assert panel.plots.plots["accuracy"].titleLabel.text == "accuracy"
    xs, ys = panel.plots.points("accuracy", panel.run, "epoch")
    assert len(xs) == 3 and np.all((ys >= 0) & (ys <= 1))
    assert "add_loss/predictions" in panel.plots.plots
    _, added = panel.plots.points("add_loss/predictions", panel.run, "epoch")
    _, total = panel.plots.points("loss", panel.run, "epoch")
    np.testing.assert_allclose(added, total, rtol=1e-4)


def test_stop_ends_within_one_batch(qtbot, any_panel):
    panel = any_panel
    panel.set_dataset(load_dataset({"dataset": "moons", "params": {"samples": 2000}}))
    panel.set_model(spiral_model())
    panel.epochs.setValue(500)
    panel.batch_size.setValue(8)
    stopped_at = []

    def stop_once(_reports):
        if not stopped_at:
            stopped_at.append(panel.runner.batches_done())
            panel.stop()

    panel.runner.batches.connect(stop_once)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "stopped"
    # the training loop saw the request after the batch the GUI had heard of, and ran at most one more
    assert stopped_at[0] <= info["stop_seen_at"] and info["batches_done"] <= info["stop_seen_at"] + 1
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()


def test_pause_blocks_between_batches_and_resume_continues(qtbot, any_panel):
    panel = any_panel
    panel.set_dataset(load_dataset({"dataset": "moons", "params": {"samples": 400}}))
    panel.set_model(spiral_model())
    panel.epochs.setValue(3)
    panel.batch_size.setValue(8)
    with qtbot.waitSignal(panel.runner.batches, timeout=WAIT_MS):
        panel.train()
    with qtbot.waitSignal(panel.runner.paused, timeout=WAIT_MS):
        panel.pause()
    held = panel.runner.batches_done()
    qtbot.wait(300)
    assert panel.runner.batches_done() == held and panel.resume_button.isEnabled()
    # hidden plots cost nothing during a run; showing the panel draws what has arrived
    assert len(panel.plots.points("loss", panel.run, "batch")[0]) == 0
    panel.show()
    qtbot.waitUntil(lambda: len(panel.plots.points("loss", panel.run, "batch")[0]) == held, timeout=WAIT_MS)
    with qtbot.waitSignal(panel.runFinished, timeout=WAIT_MS) as blocker:
        panel.resume()
    assert blocker.args[0]["status"] == "finished" and blocker.args[0]["batches_done"] == 3 * 40
    assert panel.runner.in_process == panel.runner.use_process


def test_nan_in_data_gives_message_and_trains_nothing(qtbot, panel):
    ds = load_dataset({"dataset": "spiral", "params": {"samples": 60}})
    x = ds.x.copy()
    x[17, 0] = np.nan
    model = spiral_model()
    before = [w.copy() for w in model.get_weights()]
    panel.set_model(model)
    panel.set_dataset(Dataset("spiral with a hole", x, ds.y, "points2d"))
    assert panel.train() is False
    assert "row 17, column 0" in panel.message.text() and "nan" in panel.message.text()
    assert not panel.runner.running and panel.run is None and not panel.store.runs
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_exploding_learning_rate_stops_on_nan_and_rolls_back(qtbot, panel):
    blobs = load_dataset({"dataset": "blobs", "params": {"samples": 200}})
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    before = [w.copy() for w in model.get_weights()]
    panel.set_model(model)
    panel.set_dataset(Dataset("exploding", blobs.x * 50, blobs.y.astype("float32")[:, None] * 100, "table",
                              task="regression"))
    panel.loss.setCurrentText("mean_squared_error")
    panel.optimizer.setCurrentText("sgd")
    panel.learning_rate.setValue(1.0)
    panel.epochs.setValue(50)
    panel.validation.setValue(0.0)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "nan"
    text = panel.message.text()
    assert "epoch 1, batch " in text and "the compiled loss (mean_squared_error)" in text, text
    assert "Roll back to the weights from before training" in text
    assert not panel.rollback_button.isHidden()
    assert not all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert panel.run.status == "nan" and len(panel.run.epoch_values.get("loss", [])) <= 1
    panel.rollback()
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert "Rolled back to the weights from before training" in panel.message.text()
    assert panel.rollback_button.isHidden()


def test_nan_after_good_epochs_rolls_back_to_last_finite_epoch(qtbot, panel, monkeypatch):
    from engine.callbacks.callback import Callback

    kept = []

    class PoisonAtEpoch(Callback):
        """In the training thread: keeps the weights after epoch 2, then makes the kernel infinite."""

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                kept.extend(w.copy() for w in self.model.get_weights())
                kernel = self.model.layers[-1].kernel
                kernel.assign(np.full(kernel.shape, np.inf, "float32"))

    model = spiral_model()
    original_fit = type(model).fit

    def fit_with_poison(self, *args, **kwargs):
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [PoisonAtEpoch()]
        return original_fit(self, *args, **kwargs)

    monkeypatch.setattr(type(model), "fit", fit_with_poison)
    panel.runner.use_process = False  # the patched fit exists in this process only
    panel.set_model(model)
    panel.set_dataset(load_dataset({"dataset": "spiral", "params": {"samples": 90}}))
    panel.epochs.setValue(5)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "nan"
    assert "epoch 3, batch 1" in panel.message.text() and "after epoch 2" in panel.message.text()
    panel.rollback()
    assert kept and all(np.array_equal(a, b) for a, b in zip(kept, model.get_weights()))


def test_train_again_continues_unless_compile_settings_change(qtbot, panel):
    model = spiral_model()
    panel.set_model(model, graph_version="g1")
    panel.set_dataset(load_dataset({"dataset": "spiral", "params": {"samples": 96}}))
    panel.epochs.setValue(2)
    assert train_and_wait(qtbot, panel)["status"] == "finished"
    first = panel.run
    steps = panel.last_info["optimizer_steps"]
    assert steps == 2 * 3  # 76 training samples / 32 per batch, 2 epochs
    after_first = [w.copy() for w in model.get_weights()]
    # same model, graph and settings: continues (epochs 3-4, optimizer state kept, weights not reset)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "finished" and info["optimizer_steps"] == 2 * steps  # Adam's count went on
    second = panel.run
    assert second.settings.get("continued_from") == first.name
    assert [x for x, _ in second.epoch_values["loss"]] == [3, 4]
    assert second.epoch_values["loss"][0][1] < first.epoch_values["loss"][0][1]
    assert panel.runner.can_continue(model)
    assert not all(np.array_equal(a, b) for a, b in zip(after_first, model.get_weights()))
    # a new learning rate recompiles: a fresh run from epoch 1, starting from the trained weights
    panel.learning_rate.setValue(0.005)
    trained = [w.copy() for w in model.get_weights()]
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "finished" and info["optimizer_steps"] == steps  # a new optimizer
    third = panel.run
    assert "continued_from" not in third.settings
    assert [x for x, _ in third.epoch_values["loss"]] == [1, 2]
    assert third.epoch_values["loss"][0][1] < first.epoch_values["loss"][0][1]  # kept the trained weights
    assert not all(np.array_equal(a, b) for a, b in zip(trained, model.get_weights()))
    # a new graph version (the document changed) also starts fresh
    panel.set_model(model, graph_version="g2")
    assert train_and_wait(qtbot, panel)["status"] == "finished"
    assert "continued_from" not in panel.run.settings
    # Reset weights forgets the optimizer state too
    panel.reset_weights()
    assert train_and_wait(qtbot, panel)["status"] == "finished"
    assert "continued_from" not in panel.run.settings


def test_continued_run_keeps_optimizer_state_in_thread_backend(qtbot, panel):
    panel.runner.use_process = False
    model = spiral_model()
    panel.set_model(model, graph_version="g")
    panel.set_dataset(load_dataset({"dataset": "spiral", "params": {"samples": 96}}))
    panel.epochs.setValue(1)
    assert train_and_wait(qtbot, panel)["status"] == "finished"
    optimizer = model.optimizer
    steps = int(np.asarray(optimizer.iterations.numpy()))
    assert steps == 3  # 76 training samples / 32
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "finished" and not panel.runner.in_process
    assert model.optimizer is optimizer and int(np.asarray(optimizer.iterations.numpy())) == 2 * steps
    assert info["optimizer_steps"] == 2 * steps
    panel.optimizer.setCurrentText("sgd")
    assert train_and_wait(qtbot, panel)["status"] == "finished"
    assert model.optimizer is not optimizer


def test_a_dying_training_process_is_reported_and_the_next_run_starts_a_new_one(qtbot, panel):
    panel.set_dataset(load_dataset({"dataset": "moons", "params": {"samples": 2000}}))
    model = spiral_model()
    panel.set_model(model)
    panel.epochs.setValue(500)
    panel.batch_size.setValue(8)
    before = [w.copy() for w in model.get_weights()]
    with qtbot.waitSignal(panel.runner.batches, timeout=WAIT_MS):
        assert panel.train()
    with qtbot.waitSignal(panel.runFinished, timeout=WAIT_MS) as blocker:
        panel.runner.child.process.kill()
    assert blocker.args[0]["status"] == "failed" and "ended unexpectedly" in panel.message.text()
    assert panel.train_button.isEnabled() and not panel.runner.running
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # nothing half-trained
    panel.epochs.setValue(1)
    assert train_and_wait(qtbot, panel)["status"] == "finished" and panel.runner.child.alive()
    assert "continued_from" not in panel.run.settings


def test_a_model_that_cannot_be_pickled_trains_in_a_thread(qtbot, panel):
    class LocalScale(keras.layers.Layer):  # defined in a function: pickle cannot find it by name
        def call(self, x):
            return x * 0.5

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"), LocalScale(),
                              keras.layers.Dense(3)])
    panel.set_model(model)
    panel.set_dataset(load_dataset({"dataset": "blobs", "params": {"samples": 60}}))
    panel.epochs.setValue(2)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "finished" and not panel.runner.in_process
    assert len(panel.plots.points("loss", panel.run)[0]) == 2
