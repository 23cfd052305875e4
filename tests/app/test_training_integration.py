"""The dashboard inside the real main window: toolbar Train, document compile, weights kept."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from app.graph import MODEL_ID
from app.main_window import MainWindow
from app.training.integration import attach_dashboard, graph_version
from tests.app.graph.helpers import mlp_document


@pytest.fixture
def window(qtbot, tmp_path):
    doc, ids = mlp_document(units=(16, 3), input_dim=2)
    win = MainWindow(document=doc, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.maybe_save = lambda: True  # pytest-qt's closing must not wait on the unsaved-changes question
    dash = attach_dashboard(win)
    yield win, dash, ids
    dash.shutdown()


def test_toolbar_train_compiles_document_and_stores_weights(qtbot, window):
    win, dash, ids = window
    spec = {"dataset": "spiral", "params": {"samples": 120}}
    assert dash.data.load(spec)
    assert win.document.settings["data"] == spec
    assert win.train_action.isEnabled() and not win.stop_action.isEnabled()
    dash.training.epochs.setValue(3)
    with qtbot.waitSignal(dash.training.runFinished, timeout=60000) as blocker:
        win.train_action.trigger()
    assert blocker.args[0]["status"] == "finished", dash.training.message.text()
    run = dash.store.runs[-1]
    assert run.graph_version == graph_version(win.document) and run.dataset == "spiral"
    compiled = dash.bridge.compiled
    hidden = compiled.layers[ids[1]]
    stored = win.document.weights.get(ids[1], compiled.signatures[ids[1]])
    assert all(np.array_equal(a, b) for a, b in zip(stored, hidden.get_weights()))
    assert len(dash.training.plots.points("loss", run)[0]) == 3
    # the next Train press recompiles and continues from the stored weights
    model, _ = dash.bridge.provide()
    assert all(np.array_equal(a, b) for a, b in zip(compiled.layers[ids[1]].get_weights(),
                                                    dash.bridge.compiled.layers[ids[1]].get_weights()))
    assert model is dash.bridge.compiled.model
    # selecting a node shows its output for the chosen sample
    win._select_only(ids[1])
    values = dash.results.layer.values
    assert values is not None and values.shape == (16,)
    assert "CUDA" in [win.device_combo.itemText(i) for i in range(win.device_combo.count())]


def test_document_problem_is_reported_not_trained(qtbot, window):
    win, dash, ids = window
    from app.graph import Disconnect

    win.document.apply(Disconnect(MODEL_ID, [e.id for e in win.document.edges_into(MODEL_ID, ids[-1])]))
    dash.data.load({"dataset": "spiral", "params": {"samples": 60}})
    assert dash.training.train() is False
    assert dash.training.message.text().startswith("Cannot train: The model cannot be built")
    assert not dash.store.runs


def test_data_choice_is_undoable_in_the_document(qtbot, window):
    win, dash, _ = window
    assert dash.data.load({"dataset": "moons", "params": {"samples": 40}})
    assert win.document.settings["data"]["dataset"] == "moons"
    win.editor.undo_stack.undo()
    assert win.document.settings.get("data") is None


def test_strata_train_cli_uses_app_data(tmp_path, capsys):
    from app.cli import main
    from app.graph import SetSetting
    from app.graph.project import load_project, save_project

    doc, ids = mlp_document(units=(8, 3), input_dim=2)
    doc.apply(SetSetting("training", {"optimizer": "adam", "learning_rate": 0.05, "loss": None, "metrics": ["accuracy"],
                                      "epochs": 2, "batch_size": 16, "validation_split": 0.2}))
    doc.apply(SetSetting("data", {"dataset": "blobs", "params": {"samples": 60, "classes": 3}}))
    path = tmp_path / "p.strata"
    save_project(doc, path)
    log = tmp_path / "log.jsonl"
    assert main(["train", str(path), "--log-json", str(log)]) == 0, capsys.readouterr().err
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and "accuracy" in lines[-1]
    trained = load_project(path)
    assert trained.weights is not None
    doc.apply(SetSetting("data", {"dataset": "spiral", "params": {"classes": 5}}))
    save_project(doc, path)
    assert main(["train", str(path)]) != 0
    assert "label 3 at row" in capsys.readouterr().err
