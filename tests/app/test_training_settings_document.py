"""The Training tab shows the opened project's saved training settings and stores edits back (undoable)."""

import pytest
from PySide6.QtCore import QSettings

from app.demo import EXAMPLES_DIR
from app.graph.project import load_project
from app.main_window import MainWindow
from app.training.integration import attach_dashboard
from tests.app.graph.helpers import mlp_document


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_CONFIG_DIR", str(tmp_path / "config"))
    doc, _ = mlp_document(units=(8, 3), input_dim=2)
    win = MainWindow(document=doc, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.maybe_save = lambda: True
    dash = attach_dashboard(win)
    yield win, dash
    dash.shutdown()


def test_opening_logistic_endpoint_loads_its_settings_and_trains_as_saved(qtbot, window):
    win, dash = window
    doc = load_project(EXAMPLES_DIR / "05_logistic_endpoint.strata")
    saved = dict(doc.settings["training"])
    win.set_document(doc)
    panel = dash.training
    assert panel.loss.currentText() == "none (add_loss only)"
    assert panel.epochs.value() == saved["epochs"] == 15
    assert [n for n, b in panel.metric_boxes.items() if b.isChecked()] == saved["metrics"] == []
    assert panel.stored_settings() == {k: saved[k] for k in panel.stored_settings()}
    assert dash.data.spec == doc.settings["data"]
    with qtbot.waitSignal(panel.runFinished, timeout=120000) as blocker:
        assert win.train_action.isEnabled()
        win.train_action.trigger()
    assert blocker.args[0]["status"] == "finished", panel.message.text()
    assert dash.store.runs[-1].settings["loss"] == "none (add_loss only)"
    assert win.document.settings["training"] == saved  # training did not change the settings


def test_training_tab_edits_are_stored_in_the_document_and_undoable(qtbot, window):
    win, dash = window
    panel = dash.training
    before = dict(win.document.settings["training"])
    panel.epochs.setValue(7)
    panel.epochs.setValue(9)  # typing: one stored change
    panel.loss.setCurrentText("mean_squared_error")
    panel.flush_settings()
    stored = win.document.settings["training"]
    assert stored["epochs"] == 9 and stored["loss"] == "mean_squared_error"
    assert stored["validation_split"] == stored["validation_fraction"] == panel.validation.value()
    assert win.editor.undo_stack.count() == 1
    win.editor.undo_stack.undo()
    assert win.document.settings["training"] == before
    assert panel.epochs.value() == before["epochs"] and panel.loss.currentText() == "auto"
    win.editor.undo_stack.redo()
    assert panel.epochs.value() == 9 and panel.loss.currentText() == "mean_squared_error"
    panel.flush_settings()  # applying the document's settings is not a new edit
    assert win.editor.undo_stack.count() == 1


def test_bad_saved_settings_are_reported_and_the_rest_applied(qtbot, window):
    win, dash = window
    doc, _ = mlp_document(units=(8, 3), input_dim=2)
    doc.settings["training"] = {"optimizer": "nosuch", "epochs": "many", "batch_size": 4, "metrics": ["accuracy"]}
    win.set_document(doc)
    panel = dash.training
    assert panel.batch_size.value() == 4
    text = panel.message.text()
    assert "'nosuch'" in text and "'many'" in text


def test_logistic_endpoint_plots_only_the_logged_quantities(qtbot, window):
    win, dash = window
    # an earlier run of another model leaves no empty plots behind once its runs are gone
    win.set_document(load_project(EXAMPLES_DIR / "05_logistic_endpoint.strata"))
    panel = dash.training
    panel.epochs.setValue(2)
    with qtbot.waitSignal(panel.runFinished, timeout=120000) as blocker:
        win.train_action.trigger()
    assert blocker.args[0]["status"] == "finished", panel.message.text()
    run = dash.store.runs[-1]
    logged = run.quantities()
    assert "loss" in logged and "accuracy" in logged and "binary_accuracy" not in logged
    assert len(logged) >= 3, logged  # loss, accuracy (add_metric) and the add_loss contribution
    titles = list(panel.plots.plots)
    assert sorted(titles) == sorted(logged)
    for quantity in titles:
        assert len(panel.plots.points(quantity, run)[0]) == 2, quantity


def test_bottom_dock_can_be_short_with_the_dashboard_attached(qtbot, window):
    from PySide6.QtCore import Qt

    win, dash = window
    win.set_document(load_project(EXAMPLES_DIR / "05_logistic_endpoint.strata"))
    for title, dock in dash.tabs.items():
        assert dock.minimumSizeHint().height() < 300, (title, dock.minimumSizeHint())
        assert dock.minimumSizeHint().width() < 700, (title, dock.minimumSizeHint())
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    training = dash.tabs["Training"]
    training.raise_()
    win.resizeDocks([training], [250], Qt.Orientation.Vertical)
    qtbot.wait(10)
    assert training.height() <= 260
    assert win.view.height() >= 300  # the canvas keeps its room
