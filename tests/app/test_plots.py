"""Plots, runs, results views and the wired-up dashboard (pytest-qt, offscreen)."""

import csv
import io

import numpy as np
import pytest

from app.data import DataError, load_dataset
from app.plots.insight import confusion_matrix, layer_output, worst_samples
from app.plots.live_plots import smooth
from app.training.dashboard import Dashboard
from engine import keras


def small_model(inputs=2, classes=3):
    return keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(16, activation="relu", name="hidden"),
                             keras.layers.Dense(classes, name="logits")])


@pytest.fixture
def dash(qtbot):
    d = Dashboard()
    for w in (d.data, d.training, d.runs, d.results):
        qtbot.addWidget(w)
    yield d
    d.shutdown()


def run_once(qtbot, dash, epochs=3):
    dash.training.epochs.setValue(epochs)
    with qtbot.waitSignal(dash.training.runFinished, timeout=60000) as blocker:
        assert dash.training.train(), dash.training.message.text()
    return blocker.args[0]


def test_smoothing_is_bias_corrected():
    assert smooth(np.array([2.0, 2.0, 2.0])).tolist() == pytest.approx([2.0, 2.0, 2.0])
    out = smooth(np.array([0.0, 10.0]), 0.5)
    assert out[0] == 0 and 0 < out[1] < 10


def test_runs_overlay_rename_hide_delete_and_export(qtbot, dash, tmp_path):
    assert dash.data.load({"dataset": "blobs", "params": {"samples": 90, "classes": 3}})
    dash.set_model(small_model(), graph_version=7)
    assert run_once(qtbot, dash)["status"] == "finished"
    first = dash.store.runs[0]
    assert run_once(qtbot, dash, epochs=2)["status"] == "finished"
    second = dash.store.runs[1]
    assert dash.runs.list.count() == 2 and first.graph_version == 7
    assert first.settings["epochs"] == 3 and "loss" in first.final and first.status == "finished"
    grid = dash.training.plots
    assert len(grid.points("loss", first)[0]) == 3 and len(grid.points("loss", second)[0]) == 2
    # the earlier run is muted, the current one bold
    assert grid._items[(id(first), "loss", "epoch")].opts["pen"].width() < \
        grid._items[(id(second), "loss", "epoch")].opts["pen"].width()
    item = dash.runs.list.item(0)
    item.setText("baseline")
    assert first.name == "baseline"
    legend_names = [label.text for _, label in grid.plots["loss"].legend.items]
    assert "baseline" in legend_names
    item.setCheckState(item.checkState().__class__.Unchecked)
    assert first.visible is False and not grid._items[(id(first), "loss", "epoch")].isVisible()
    dash.runs.list.setCurrentRow(0)
    dash.runs.delete_selected()
    assert dash.store.runs == [second] and (id(first), "loss", "epoch") not in grid._items
    path = tmp_path / "runs.csv"
    dash.store.export_csv(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    epochs = [r for r in rows if r["kind"] == "epoch" and r["quantity"] == "loss"]
    assert [r["x"] for r in epochs] == ["4", "5"]  # the second run continued the first (same model)
    assert second.settings["continued_from"] == "run 1"
    assert float(epochs[-1]["value"]) == pytest.approx(second.final["loss"])
    png = tmp_path / "plots.png"
    grid.resize(900, 500)
    grid.export_png(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_results_after_training(qtbot, dash):
    assert dash.data.load({"dataset": "spiral", "params": {"samples": 150}})
    dash.set_model(small_model())
    with qtbot.waitSignal(dash.training.insightReady, timeout=60000):
        run_once(qtbot, dash, epochs=2)
    assert dash.results.confusion.rowCount() == 3
    total = sum(int(dash.results.confusion.item(i, j).text()) for i in range(3) for j in range(3))
    assert total == 30  # the validation fifth of 150 samples
    assert dash.results.worst.rowCount() == 12
    losses = [float(dash.results.worst.item(r, 4).text()) for r in range(12)]
    assert losses == sorted(losses, reverse=True)
    assert dash.results.boundary.last_rgb is not None and dash.results.boundary.last_rgb.shape == (48, 48, 3)
    dash.results.layer.sample.setValue(4)
    dash.show_node_output("hidden")
    values = dash.results.layer.values
    assert values.shape == (16,) and np.all(values >= 0)


def test_data_panel_keeps_data_on_error(qtbot, dash, tmp_path):
    assert dash.data.load({"dataset": "moons", "params": {"samples": 50}})
    kept = dash.training.dataset
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n1,2,0\n3,oops,1\n")
    assert not dash.data.load({"dataset": "csv", "params": {"path": str(bad), "label": "label"}})
    assert "row 3, column 'b'" in dash.data.message.text() and str(bad) in dash.data.message.text()
    assert dash.training.dataset is kept
    dash.data.name.setCurrentText("digits")
    assert "flatten" not in dash.data.param_widgets
    assert dash.data.load_from_form() and dash.training.dataset.kind == "image"


def test_insight_functions_directly():
    ds = load_dataset({"dataset": "blobs", "params": {"samples": 30}})
    model = small_model()
    counts = confusion_matrix(model, ds)
    assert counts.shape == (3, 3) and counts.sum() == 30
    predicted = np.argmax(model.predict(ds.x, verbose=0), 1)
    assert np.array_equal(counts.sum(0), np.bincount(predicted, minlength=3))
    rows = worst_samples(model, ds, 5)
    assert len(rows) == 5 and rows[0]["loss"] >= rows[-1]["loss"]
    hidden = layer_output(model, "hidden", ds.x[3])
    w, b = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(hidden, np.maximum(ds.x[3] @ w + b, 0), rtol=1e-5, atol=1e-6)
    assert type(model.get_layer("hidden")).__name__ == "Dense" and type(model.get_layer("hidden")) is keras.layers.Dense
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        layer_output(model, "nope", ds.x[0])
    with pytest.raises(DataError, match="confusion matrix needs class labels"):
        confusion_matrix(model, load_dataset({"dataset": "sine", "params": {"samples": 10}}))


class Scale(keras.layers.Layer):
    """Multiplies an image by a learned scalar: output keeps the (h, w, c) feature-map shape."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, x):
        return x * self.scale


class Flatten64(keras.layers.Layer):
    """(None, 8, 8, 1) -> (None, 64)."""

    def call(self, x):
        from engine import ops

        return ops.reshape(x, (-1, 64))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 64)


def test_image_data_shows_thumbnails_and_feature_maps(qtbot, dash):
    from app.plots.insight_views import LayerOutputView, WorstSamplesView

    ds = load_dataset({"dataset": "shapes", "params": {"samples": 40, "size": 8}})
    inputs = keras.Input((8, 8, 1))
    maps = Scale(name="maps")(inputs)
    flat = Flatten64(name="flat")(maps)
    model = keras.Model(inputs, keras.layers.Dense(4, name="head")(flat))
    view = LayerOutputView()
    qtbot.addWidget(view)
    view.set_model(model, ds)
    view.sample.setValue(3)
    view.show_layer("maps")
    np.testing.assert_allclose(view.values, ds.x[3], rtol=1e-6)
    assert "output shape (8, 8, 1)" in view.title.text()
    table = WorstSamplesView()
    qtbot.addWidget(table)
    table.show_rows(worst_samples(model, ds, 4), ds)
    assert table.rowCount() == 4 and not table.item(0, 0).icon().isNull()
    assert table.item(0, 1).text() in ds.class_names


def test_csv_import_dialog_picks_columns(qtbot, tmp_path):
    from app.training.data_panel import CsvImportDialog
    from app.data import load_csv

    path = tmp_path / "d.csv"
    path.write_text("x1,x2,noise,kind\n0,1,9,a\n1,0,9,b\n")
    dialog = CsvImportDialog(str(path))
    qtbot.addWidget(dialog)
    assert dialog.label.currentData() == "kind"
    dialog.features.item(2).setCheckState(dialog.features.item(2).checkState().__class__.Unchecked)
    choice = dialog.choice()
    assert choice["features"] == ["x1", "x2"] and choice["label"] == "kind"
    ds = load_csv(**choice)
    assert ds.x.tolist() == [[0, 1], [1, 0]] and ds.class_names == ["a", "b"]
