"""Callbacks: every hook is called in order, EarlyStopping, ReduceLROnPlateau (decisions
checked against Keras 3 on the same log sequences), ModelCheckpoint, TerminateOnNaN,
LambdaCallback."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras as real  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from engine import keras  # noqa: E402

rng = np.random.default_rng(3)


def data(n=8):
    x = rng.normal(size=(n, 2)).astype("float32")
    return x, (x.sum(axis=1, keepdims=True)).astype("float32")


def model_():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            return lambda *args, **kwargs: calls.append(name)
        return object.__getattribute__(self, name)


def test_every_hook_is_called_in_order():
    x, y = data(8)
    model = model_()
    rec = Recorder()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y), callbacks=[rec])
    epoch = ["on_epoch_begin"] + ["on_train_batch_begin", "on_batch_begin", "on_train_batch_end",
                                  "on_batch_end"] * 2 + ["on_epoch_end"]
    assert rec.calls == ["on_train_begin"] + epoch * 2 + ["on_train_end"]
    assert rec.model is model and rec.params["epochs"] == 2 and rec.params["steps"] == 2
    rec.calls.clear()
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[rec])
    assert rec.calls == ["on_test_begin"] + ["on_test_batch_begin", "on_test_batch_end"] * 2 + ["on_test_end"]
    rec.calls.clear()
    model.predict(x, batch_size=8, verbose=0, callbacks=[rec])
    assert rec.calls == ["on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end", "on_predict_end"]


def test_epoch_end_logs_hold_metrics_and_validation():
    x, y = data(8)
    model = model_()
    got = []
    cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: got.append((epoch, dict(logs))))
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[cb])
    assert [e for e, _ in got] == [0, 1]
    assert set(got[0][1]) == {"loss", "val_loss"}


class FakeOptimizer:
    def __init__(self):
        self.learning_rate = 0.1


class FakeModel:
    """Just enough of a model for both our callbacks and Keras': weights, stop flag, optimizer."""

    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(1)]
        self.metrics = []
        self.optimizer = FakeOptimizer()
        self.epoch = 0

    def get_weights(self):
        return [np.array([float(self.epoch)])]

    def set_weights(self, weights):
        self.weights = weights


def drive(callback, values, monitor="val_loss"):
    """Feed `values` as epoch logs; return (epochs run, lrs, restored weights)."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    ran, lrs = [], []
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_end(epoch, {monitor: value, "loss": 1.0})
        ran.append(epoch)
        lrs.append(round(float(model.optimizer.learning_rate), 10))
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, lrs, [float(w[0]) for w in model.weights]


LOSS_CURVES = [
    [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.5, 0.4],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01],
    [1.0, 0.9999, 0.9998, 0.8, 0.79, 0.7899, 0.7898, 0.78979],
    [0.3, 0.6, 0.2, 0.7, 0.19, 0.8, 0.9, 1.0, 1.1],
]

EARLY_STOPPING_CONFIGS = [
    {},
    {"patience": 2},
    {"patience": 1, "min_delta": 0.01},
    {"patience": 2, "restore_best_weights": True},
    {"patience": 1, "baseline": 0.35},
    {"patience": 1, "start_from_epoch": 3},
    {"patience": 2, "mode": "max"},
    {"patience": 0, "restore_best_weights": True, "start_from_epoch": 2},
]


@pytest.mark.parametrize("curve", LOSS_CURVES)
@pytest.mark.parametrize("config", EARLY_STOPPING_CONFIGS, ids=str)
def test_early_stopping_decides_like_keras(config, curve):
    mine = drive(keras.callbacks.EarlyStopping(**config), curve)
    theirs = drive(real.callbacks.EarlyStopping(**config), curve)
    assert mine == theirs


@pytest.mark.parametrize("curve", LOSS_CURVES)
@pytest.mark.parametrize("config", [
    {"patience": 1}, {"patience": 2, "factor": 0.5, "cooldown": 1}, {"patience": 1, "min_lr": 0.02, "factor": 0.3},
    {"patience": 1, "min_delta": 0.05, "mode": "min"},
], ids=str)
def test_reduce_lr_on_plateau_decides_like_keras(config, curve):
    mine = drive(keras.callbacks.ReduceLROnPlateau(**config), curve)
    theirs = drive(real.callbacks.ReduceLROnPlateau(**config), curve)
    assert mine == theirs


def test_early_stopping_in_fit_restores_best_weights():
    x, y = data(8)
    model = model_()
    model.compile(optimizer=keras.optimizers.SGD(2.0), loss="mse")  # diverges: loss grows
    seen = []

    class Snap(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs["loss"], [w.copy() for w in self.model.get_weights()]))

    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, verbose=0, callbacks=[Snap(), stop])
    assert len(history.history["loss"]) < 20
    best = min(seen, key=lambda item: item[0])
    for a, b in zip(model.get_weights(), best[1]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_auto_mode_uses_metric_direction():
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy")
    stop.set_model(FakeModel())
    stop._set_monitor_op()
    assert stop._is_improvement(0.9, 0.8)
    stop = keras.callbacks.EarlyStopping(monitor="val_mean_absolute_error")
    stop.set_model(FakeModel())
    stop._set_monitor_op()
    assert stop._is_improvement(0.1, 0.2)
    weird = keras.callbacks.EarlyStopping(monitor="zzz")
    weird.set_model(FakeModel())
    with pytest.raises(ValueError, match="mode"):
        weird._set_monitor_op()
    with pytest.raises(ValueError, match="mode"):
        keras.callbacks.EarlyStopping(mode="up")


def test_reduce_lr_changes_the_real_optimizer():
    x, y = data(8)
    model = model_()
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=10.0)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[cb])
    # the first epoch sets the reference; no later epoch improves by 10, so each one halves the rate
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.01, 0.005])
    assert model.optimizer.learning_rate == pytest.approx(0.0025)
    with pytest.raises(ValueError, match="factor"):
        keras.callbacks.ReduceLROnPlateau(factor=1.5)


class SaveSpy:
    """Stands in for model.save / save_weights to test ModelCheckpoint's decisions only."""


def checkpoint_run(tmp_path, values, **kwargs):
    saved = []
    model = FakeModel()
    model.save = lambda path, overwrite=True: saved.append(("model", os.path.basename(path)))
    model.save_weights = lambda path, overwrite=True: saved.append(("weights", os.path.basename(path)))
    cb = keras.callbacks.ModelCheckpoint(**kwargs)
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch)
        cb.on_epoch_end(epoch, {"val_loss": value, "loss": value * 2})
    return saved


def test_model_checkpoint_saves_every_epoch_with_formatted_names(tmp_path):
    saved = checkpoint_run(tmp_path, [0.5, 0.6, 0.4], filepath=str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.keras"))
    assert saved == [("model", "m-01-0.50.keras"), ("model", "m-02-0.60.keras"), ("model", "m-03-0.40.keras")]


def test_model_checkpoint_save_best_only_and_weights_only(tmp_path):
    saved = checkpoint_run(tmp_path, [0.5, 0.6, 0.4, 0.45], filepath=str(tmp_path / "w{epoch}.weights.h5"),
                           save_best_only=True, save_weights_only=True)
    assert saved == [("weights", "w1.weights.h5"), ("weights", "w3.weights.h5")]
    saved = checkpoint_run(tmp_path, [0.5, 0.6, 0.7], filepath=str(tmp_path / "m.keras"), save_best_only=True,
                           monitor="val_loss", mode="max")
    assert saved == [("model", "m.keras")] * 3
    saved = checkpoint_run(tmp_path, [0.5, 0.3], filepath=str(tmp_path / "m.keras"), save_best_only=True,
                           initial_value_threshold=0.4)
    assert saved == [("model", "m.keras")]


def test_model_checkpoint_rejects_wrong_extensions(tmp_path):
    with pytest.raises(ValueError, match=".weights.h5"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=".keras"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.h6"))
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))
    model = FakeModel()
    model.save = lambda *a, **k: None
    cb.set_model(model)
    with pytest.raises(KeyError, match="nope"):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_terminate_on_nan_stops_within_the_batch():
    x, y = data(16)
    y[5] = np.nan
    model = model_()
    batches = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN(), cb])
    assert batches == [0, 1]
    assert len(history.history["loss"]) == 1


def test_lambda_callback_accepts_any_hook_and_rejects_unknown():
    calls = []
    cb = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: calls.append("begin"),
                                        on_test_end=lambda logs: calls.append("test_end"))
    x, y = data(4)
    model = model_()
    model.fit(x, y, verbose=0, callbacks=[cb], validation_data=(x, y))
    model.evaluate(x, y, verbose=0, callbacks=[cb])
    assert calls == ["begin", "test_end"]
    with pytest.raises(TypeError, match="on_bogus"):
        keras.callbacks.LambdaCallback(on_bogus=print)


def test_model_checkpoint_writes_loadable_files(tmp_path):
    x, y = data(8)
    model = model_()
    best = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="loss", save_best_only=True)
    every = keras.callbacks.ModelCheckpoint(str(tmp_path / "ep{epoch}.weights.h5"), save_weights_only=True)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[best, every])
    assert sorted(os.listdir(tmp_path)) == ["best.keras", "ep1.weights.h5", "ep2.weights.h5", "ep3.weights.h5"]
    restored = keras.models.load_model(str(tmp_path / "best.keras"))
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    clone = model_()
    clone.load_weights(str(tmp_path / "ep3.weights.h5"))
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_learning_rate_scheduler_sets_rate_each_epoch():
    x, y = data(8)
    model = model_()
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch: 0.5)])
    assert model.optimizer.learning_rate == pytest.approx(0.5)
    with pytest.raises(ValueError, match="float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: "x")])


def test_csv_logger_matches_keras_file(tmp_path):
    x, y = data(8)
    logs = [{"loss": 0.5, "mae": 0.25}, {"loss": 0.25, "mae": 0.125}]
    texts = []
    for module in (keras, real):
        path = str(tmp_path / f"{module.__name__}.csv")
        cb = module.callbacks.CSVLogger(path)
        cb.set_model(FakeModel())
        cb.on_train_begin()
        for epoch, entry in enumerate(logs):
            cb.on_epoch_end(epoch, dict(entry))
        cb.on_train_end()
        with open(path) as f:
            texts.append(f.read().replace("\r\n", "\n"))
    assert texts[0] == texts[1]
    path = str(tmp_path / "fit.csv")
    model = model_()
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[keras.callbacks.CSVLogger(path)])
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
              callbacks=[keras.callbacks.CSVLogger(path, append=True)])
    lines = open(path).read().splitlines()
    assert lines[0] == "epoch,loss,val_loss" and len(lines) == 4
