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
    assert len(boundaries) == 6 and boundaries[-1][2].shape == (48, 48)
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


def test_stop_ends_within_one_batch(qtbot, panel):
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
    assert info["batches_done"] <= stopped_at[0] + 1
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()


def test_pause_blocks_between_batches_and_resume_continues(qtbot, panel):
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
    with qtbot.waitSignal(panel.runFinished, timeout=WAIT_MS) as blocker:
        panel.resume()
    assert blocker.args[0]["status"] == "finished" and blocker.args[0]["batches_done"] == 3 * 40


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
    panel.set_model(model)
    panel.set_dataset(load_dataset({"dataset": "spiral", "params": {"samples": 90}}))
    panel.epochs.setValue(5)
    info = train_and_wait(qtbot, panel)
    assert info["status"] == "nan"
    assert "epoch 3, batch 1" in panel.message.text() and "after epoch 2" in panel.message.text()
    panel.rollback()
    assert kept and all(np.array_equal(a, b) for a, b in zip(kept, model.get_weights()))
