"""Functional, Sequential and subclassed models: compile, fit and its arguments, evaluate,
predict, train/test_on_batch, History, layers, summary and the progress bar."""

import re

import numpy as np
import pytest

from engine import keras, ops

rng = np.random.default_rng(7)


def regression_data(n=16, d=3):
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 1)) + 0.1).astype("float32")
    return x, y


def small_sequential(d=3):
    return keras.Sequential([keras.Input((d,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])


def test_sequential_fit_evaluate_predict_and_history():
    x, y = regression_data()
    model = small_sequential()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=4, epochs=5, verbose=0)
    assert history is model.history
    assert set(history.history) == {"loss", "mae"} and history.epoch == [0, 1, 2, 3, 4]
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, mae = model.evaluate(x, y, verbose=0)
    pred = model.predict(x, batch_size=5, verbose=0)
    assert pred.shape == (16, 1)
    np.testing.assert_allclose(loss, np.mean((pred - y) ** 2), rtol=1e-4)
    np.testing.assert_allclose(mae, np.mean(np.abs(pred - y)), rtol=1e-4)
    assert len(model.layers) == 2


def test_functional_two_inputs_as_list_and_as_dict_two_outputs():
    a = keras.Input((2,), name="a")
    b = keras.Input((3,), name="b")
    merged = ops.concat([a, b], axis=-1) if False else None
    h = keras.layers.Dense(4, name="h")(a) + keras.layers.Dense(4, name="h2")(b)
    out1 = keras.layers.Dense(1, name="reg")(h)
    out2 = keras.layers.Dense(3, activation="softmax", name="cls")(h)
    model = keras.Model([a, b], [out1, out2])
    assert merged is None
    xa, xb = rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")
    y1, y2 = rng.normal(size=(8, 1)).astype("float32"), rng.integers(0, 3, size=(8,))
    model.compile(optimizer="adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 0.5, "cls": 2.0}, metrics={"cls": ["accuracy"]})
    history = model.fit([xa, xb], [y1, y2], epochs=2, verbose=0)
    assert set(history.history) == {"loss", "reg_loss", "cls_loss", "cls_accuracy"}
    p1 = model.predict([xa, xb], verbose=0)
    p2 = model.predict({"a": xa, "b": xb}, verbose=0)
    assert isinstance(p1, list) and p1[0].shape == (8, 1) and p1[1].shape == (8, 3)
    np.testing.assert_allclose(p1[0], p2[0], rtol=1e-6)
    # the weighted loss is the weighted sum of both losses
    logs = model.evaluate([xa, xb], [y1, y2], verbose=0, return_dict=True)
    mse = float(np.mean((p1[0] - y1) ** 2))
    sce = float(np.mean(-np.log(p1[1][np.arange(8), y2])))
    np.testing.assert_allclose(logs["loss"], 0.5 * mse + 2.0 * sce, rtol=1e-4)
    np.testing.assert_allclose([logs["reg_loss"], logs["cls_loss"]], [mse, sce], rtol=1e-4)
    model.fit({"a": xa, "b": xb}, {"reg": y1, "cls": y2}, verbose=0)


def test_loss_list_for_multiple_outputs():
    inputs = keras.Input((2,))
    o1 = keras.layers.Dense(1)(inputs)
    o2 = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, [o1, o2])
    model.compile(optimizer="sgd", loss=["mse", "mae"])
    x = np.ones((4, 2), "float32")
    model.fit(x, [np.zeros((4, 1)), np.ones((4, 1))], verbose=0)
    with pytest.raises(ValueError, match="outputs"):
        model.compile(optimizer="sgd", loss=["mse"])


def test_subclassed_model_fit_and_layers():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(8, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, x, training=None):
            return self.out(self.hidden(x))

    x, y = regression_data()
    net = Net()
    net.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    history = net.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 3
    assert [type(layer).__name__ for layer in net.layers] == ["Dense", "Dense"]
    assert net.count_params() == 3 * 8 + 8 + 8 + 1


def test_compile_without_loss_and_without_add_loss_is_a_clear_error():
    model = small_sequential()
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="loss"):
        model.fit(*regression_data(), verbose=0)


def test_fit_before_compile_is_a_clear_error():
    with pytest.raises(RuntimeError, match="compile"):
        small_sequential().fit(*regression_data(), verbose=0)


def test_validation_split_and_validation_data():
    x, y = regression_data(20)
    model = small_sequential()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, validation_split=0.25, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    # validation_split takes the last samples, as Keras
    np.testing.assert_allclose(history.history["val_loss"][-1], model.evaluate(x[15:], y[15:], verbose=0)[0],
                               rtol=1e-5)
    history = model.fit(x, y, validation_data=(x[:5], y[:5]), epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][0], model.evaluate(x[:5], y[:5], verbose=0)[0],
                               rtol=1e-5)


def test_shuffle_false_is_deterministic_and_initial_epoch():
    x, y = regression_data()
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch)

    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=4, initial_epoch=2, shuffle=False, verbose=0, callbacks=[Record()])
    assert seen == [2, 3] and history.epoch == [2, 3]


def test_batches_follow_batch_size_and_shuffle():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    batches = []

    class Spy(keras.layers.Layer):
        def call(self, inputs):
            batches.append(inputs.numpy().ravel().tolist())
            return inputs

    model = keras.Sequential([keras.Input((1,)), Spy(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    batches.clear()
    model.fit(x, x, batch_size=4, shuffle=False, verbose=0)
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    batches.clear()
    model.fit(x, x, batch_size=10, shuffle=True, epochs=3, verbose=0)
    assert all(sorted(b) == list(range(10)) for b in batches)
    assert any(b != list(range(10)) for b in batches)


def test_sample_weight_scales_the_loss():
    x, y = regression_data(8)
    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse")
    w = np.zeros(8, "float32")
    w[:4] = 2.0
    weighted = model.evaluate(x, y, sample_weight=w, verbose=0)
    pred = model.predict(x, verbose=0)
    expected = np.sum(2.0 * np.mean((pred[:4] - y[:4]) ** 2, axis=-1)) / 8
    np.testing.assert_allclose(weighted, expected, rtol=1e-4)
    before = model.get_weights()
    model.fit(x, y, sample_weight=np.zeros(8, "float32"), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_allclose(a, b)


def test_train_on_batch_and_test_on_batch():
    x, y = regression_data(8)
    model = small_sequential()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    before = model.test_on_batch(x, y)
    assert isinstance(before, list) and len(before) == 2
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    np.testing.assert_allclose(logs["loss"], before[0], rtol=1e-5)
    after = model.test_on_batch(x, y, return_dict=True)
    assert after["loss"] < before[0]
    assert model.predict_on_batch(x).shape == (8, 1)


def test_summary_lists_layers_shapes_and_params(capsys):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="hidden"),
                              keras.layers.Dense(2, name="head")], name="tiny")
    model.summary()
    out = capsys.readouterr().out
    assert 'Model: "tiny"' in out
    assert re.search(r"hidden \(Dense\)\s+\(None, 4\)\s+16", out)
    assert re.search(r"head \(Dense\)\s+\(None, 2\)\s+10", out)
    assert "Total params: 26" in out and "Trainable params: 26" in out and "Non-trainable params: 0" in out
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 26" in "\n".join(lines)


def test_progress_bar_lines_per_epoch(capsys):
    x, y = regression_data(8)
    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=4, epochs=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    for line in (lines[1], lines[3]):
        assert re.fullmatch(r"2/2 \[={30}\] - \d+s \d+(ms|us)/step - loss: \S+ - mae: \S+", line), line
    model.fit(x, y, batch_size=4, epochs=1, verbose=2)
    assert re.search(r"loss: ", capsys.readouterr().out)
    model.fit(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_progbar_partial_bar_and_number_format():
    from engine.callbacks.progbar import Progbar, format_value

    bar = Progbar(10)
    assert bar.bar(3) == " 3/10 [========>.....................]"
    assert bar.bar(10) == "10/10 [==============================]"
    assert format_value(0.24531) == "0.2453" and format_value(0.0) == "0.0000e+00" and format_value(1e-4) == "1.0000e-04"


def test_stop_training_from_a_callback_stops_within_one_batch():
    x, y = regression_data(40)
    steps = []

    class StopAt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(batch)
            if batch == 2:
                self.model.stop_training = True

    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=5, verbose=0, callbacks=[StopAt()])
    assert steps == [0, 1, 2]
    assert len(history.history["loss"]) == 1


def test_fit_with_bad_inputs_reports_clearly():
    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError):
        model.fit(np.ones((4, 3), "float32"), np.ones((5, 1), "float32"), verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), epochs=-1, verbose=0)
    with pytest.raises(ValueError, match="last dimension 3"):
        model.fit(np.ones((4, 5), "float32"), np.ones((4, 1), "float32"), verbose=0)


def test_accuracy_resolves_from_the_loss():
    from engine.metrics import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy

    def metric_for(loss, units):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(units)])
        model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
        return model._compiled_metrics.metrics[0]

    assert isinstance(metric_for("binary_crossentropy", 1), BinaryAccuracy)
    assert isinstance(metric_for("categorical_crossentropy", 3), CategoricalAccuracy)
    assert isinstance(metric_for("sparse_categorical_crossentropy", 3), SparseCategoricalAccuracy)
    assert isinstance(metric_for(keras.losses.BinaryCrossentropy(from_logits=True), 1), BinaryAccuracy)
    assert metric_for("binary_crossentropy", 1).name == "accuracy"


def test_models_get_layer_and_functional_layers():
    inputs = keras.Input((3,), name="x")
    out = keras.layers.Dense(2, name="d")(inputs)
    model = keras.Model(inputs, out)
    assert model.get_layer("d") is model.layers[-1]
    with pytest.raises(ValueError, match="nope"):
        model.get_layer("nope")


def test_model_auto_names():
    assert keras.Sequential().name == "sequential"
    assert keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).name == "sequential_1"
    inputs = keras.Input((2,))
    assert keras.Model(inputs, keras.layers.Dense(1)(inputs)).name == "functional"


def test_dict_inputs_in_any_order_and_dict_outputs_named_by_key():
    a = keras.Input((2,), name="a")
    b = keras.Input((3,), name="b")
    out = keras.layers.Dense(1)(a) + keras.layers.Dense(1)(b)
    model = keras.Model({"a": a, "b": b}, {"out": out})
    xa, xb = rng.normal(size=(4, 2)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")
    p1 = model.predict({"b": xb, "a": xa}, verbose=0)
    p2 = model.predict({"a": xa, "b": xb}, verbose=0)
    assert set(p1) == {"out"}
    np.testing.assert_allclose(p1["out"], p2["out"])
    model.compile(optimizer="sgd", loss={"out": "mse"})
    history = model.fit({"b": xb, "a": xa}, {"out": np.ones((4, 1), "float32")}, validation_split=0.5, verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    with pytest.raises(ValueError, match="outputs"):
        model.compile(optimizer="sgd", loss={"wrong": "mse"})


def test_sequential_add_pop_and_loss_weights_list():
    model = keras.Sequential()
    model.add(keras.Input((2,)))
    model.add(keras.layers.Dense(3))
    model.add(keras.layers.Dense(1))
    assert len(model.layers) == 2
    model.pop()
    assert len(model.layers) == 1 and model.output_shape == (None, 3)
    inputs = keras.Input((2,))
    model = keras.Model(inputs, [keras.layers.Dense(1)(inputs), keras.layers.Dense(1)(inputs)])
    model.compile(optimizer="sgd", loss="mse", loss_weights=[1.0, 0.0])
    x = np.ones((4, 2), "float32")
    y = [np.zeros((4, 1), "float32"), np.full((4, 1), 100.0, "float32")]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    names = model.output_names
    np.testing.assert_allclose(logs["loss"], logs[f"{names[0]}_loss"], rtol=1e-6)


def test_custom_train_step_receives_keras_style_batches():
    received = []

    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            received.append(len(data))
            x, y = data
            with keras.ops.GradientTape() if hasattr(keras.ops, "GradientTape") else __import__("engine").tf.GradientTape() as tape:
                loss = keras.ops.mean(keras.ops.square(self(x, training=True) - y)) if hasattr(keras.ops, "mean") \
                    else ops.reduce_mean(ops.square(self(x, training=True) - y))
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            return {"custom_loss": float(loss)}

    model = Custom()
    model.compile(optimizer="sgd")
    x, y = regression_data(8)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert received == [2, 2, 2, 2]
    assert list(history.history) == ["custom_loss"]
    assert keras.utils.unpack_x_y_sample_weight((x,)) == (x, None, None)
    assert keras.utils.pack_x_y_sample_weight(x, y)[1] is y


def test_accuracy_without_a_loss_is_settled_from_shapes_as_keras_3():
    class WithAddLoss(keras.layers.Layer):
        def call(self, x):
            self.add_loss(ops.reduce_mean(ops.square(x)))
            return x

    inputs = keras.Input((2,))
    out = keras.layers.Dense(3, activation="softmax")(WithAddLoss()(inputs))
    model = keras.Model(inputs, out)
    model.compile(optimizer="sgd", metrics=["acc"])
    x = rng.normal(size=(6, 2)).astype("float32")
    labels = np.array([0, 1, 2, 0, 1, 2])
    history = model.fit(x, labels, verbose=0)
    from engine.metrics import SparseCategoricalAccuracy

    assert isinstance(model._compiled_metrics.metrics[0], SparseCategoricalAccuracy)
    expected = np.mean(np.argmax(model.predict(x, verbose=0), -1) == labels)
    logs = model.evaluate(x, labels, verbose=0, return_dict=True)
    assert set(history.history) == {"loss", "acc"} and logs["acc"] == pytest.approx(expected)
