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
    trained = load_project(tmp_path / "p-trained.strata")
    assert trained.weights is not None
    doc.apply(SetSetting("data", {"dataset": "spiral", "params": {"classes": 5}}))
    save_project(doc, path)
    assert main(["train", str(path), "--force"]) != 0
    assert "label 3 at row" in capsys.readouterr().err


def test_data_tab_follows_undo_and_redo_of_the_data_choice(qtbot, window):
    win, dash, _ = window
    assert dash.data.load({"dataset": "moons", "params": {"samples": 40, "noise": 0.1, "seed": 0}})
    assert dash.data.load({"dataset": "spiral", "params": {"samples": 60, "noise": 0.2, "classes": 3, "seed": 0}})
    assert dash.training.dataset.name.startswith("spiral")
    stack = win.editor.undo_stack
    stack.undo()
    assert dash.data.spec["dataset"] == "moons" and len(dash.data.dataset) == 40
    assert dash.training.dataset is dash.data.dataset
    assert dash.data.name.currentData() == "moons" and dash.data.param_widgets["samples"].value() == 40
    stack.undo()
    assert dash.data.dataset is None and dash.training.dataset is None and win.document.settings.get("data") is None
    assert dash.data.summary.text() == "No data set loaded."
    stack.redo()
    assert dash.data.spec["dataset"] == "moons"
    stack.redo()
    assert dash.data.spec["dataset"] == "spiral" and len(dash.training.dataset) == 60
    assert stack.index() == stack.count()  # following the document pushed no new undo steps


def test_runs_are_saved_in_the_document_and_come_back_after_reopening(qtbot, window, tmp_path):
    from app.graph.project import load_project, save_project

    win, dash, _ = window
    dash.data.load({"dataset": "spiral", "params": {"samples": 90}})
    dash.training.epochs.setValue(2)
    with qtbot.waitSignal(dash.training.runFinished, timeout=60000) as blocker:
        win.train_action.trigger()
    assert blocker.args[0]["status"] == "finished", dash.training.message.text()
    run = dash.store.runs[-1]
    dash.runs.list.item(0).setText("first try")  # a rename reaches the document too
    assert run.name == "first try"
    assert [e["strata_run"]["name"] for e in win.document.history] == ["first try"]
    assert win.document.history[0]["loss"] == [v for _, v in run.epoch_values["loss"]]
    assert win.is_modified()
    path = tmp_path / "model.strata"
    save_project(win.document, path)
    win.set_document(load_project(path), path)
    assert [r.name for r in dash.store.runs] == ["first try"]
    again = dash.store.runs[0]
    assert again.epoch_values == run.epoch_values and again.status == "finished"
    assert len(again.batch_values["loss"]) == len(run.batch_values["loss"])
    assert dash.runs.list.count() == 1 and dash.runs.list.item(0).text() == "first try"
    xs, ys = dash.training.plots.points("loss", again, "epoch")
    assert list(xs) == [1, 2]
    # the next run is numbered after the saved ones and joins them in the history
    with qtbot.waitSignal(dash.training.runFinished, timeout=60000):
        win.train_action.trigger()
    assert [e["strata_run"]["name"] for e in win.document.history] == ["first try", "run 2"]


def test_history_entries_round_trip_and_bad_entries_are_reported():
    from app.training.runs import RunRecord, RunStore

    run = RunRecord("run 1", {"optimizer": "adam"}, "abc", "moons")
    for i in range(5000):
        run.add_batch(i / 1000, {"loss": 1.0 / (i + 1)})
    run.add_epoch(0, {"loss": 0.5, "val_loss": float("nan")})
    run.status = "stopped"
    entry = run.to_history()
    assert len(entry["strata_run"]["batch"]["loss"][0]) <= 2001
    assert entry["strata_run"]["batch"]["loss"][0][-1] == 4.999  # the last point is kept
    back = RunRecord.from_history(entry, "x")
    assert back.name == "run 1" and back.status == "stopped" and back.settings == {"optimizer": "adam"}
    assert back.epoch_values["loss"] == [(1, 0.5)] and np.isnan(back.epoch_values["val_loss"][0][1])
    store = RunStore()
    cli_entry = {"epoch": [1, 2], "loss": [0.9, 0.4], "accuracy": [0.5, 0.8]}  # as `strata train` writes
    skipped = store.load_history([cli_entry, "junk", {"epoch": [1], "loss": [1, 2]}, entry])
    assert [r.name for r in store.runs] == ["run 1", "run 1"]
    assert store.runs[0].final == {"loss": 0.4, "accuracy": 0.8}
    assert len(skipped) == 2 and "history entry 2" in skipped[0] and "loss has 2 values for 1 epochs" in skipped[1]
    assert store.new_run({}).name == "run 2"


def test_train_again_continues_until_the_graph_changes(qtbot, window):
    from app.graph.operations import SetParams

    win, dash, ids = window
    dash.data.load({"dataset": "spiral", "params": {"samples": 90}})
    dash.training.epochs.setValue(1)
    for _ in range(2):
        with qtbot.waitSignal(dash.training.runFinished, timeout=60000) as blocker:
            win.train_action.trigger()
        assert blocker.args[0]["status"] == "finished"
    first, second = dash.store.runs
    assert second.settings["continued_from"] == first.name and list(second.epoch_values["loss"][0][:1]) == [2]
    compiled = dash.bridge.compiled
    trained_output = [w.copy() for w in compiled.layers[ids[2]].get_weights()]
    win.editor.execute(SetParams(MODEL_ID, ids[1], {"activation": "tanh"}))  # the hidden layer changes
    model, version = dash.bridge.provide()
    assert version != first.graph_version and model is not compiled.model
    # the unchanged output layer keeps its trained weights in the recompiled model
    assert all(np.array_equal(a, b) for a, b in zip(trained_output, dash.bridge.compiled.layers[ids[2]].get_weights()))
    with qtbot.waitSignal(dash.training.runFinished, timeout=60000):
        win.train_action.trigger()
    third = dash.store.runs[-1]
    assert "continued_from" not in third.settings and third.epoch_values["loss"][0][0] == 1


def test_a_document_with_blocks_trains_in_the_training_process(qtbot, window, tmp_path):
    from pathlib import Path

    from app.graph.project import load_project

    win, dash, _ = window
    example = Path(__file__).resolve().parents[2] / "resources" / "examples" / "10_linked_blocks.strata"
    win.set_document(load_project(example), example)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 2)).astype("float32")  # the example classifies 2-D points into 3 classes
    np.savez(tmp_path / "d.npz", x=x, y=(x[:, 0] > 0).astype("int64") + (x[:, 1] > 1))
    assert dash.data.load({"dataset": "arrays", "params": {"path": str(tmp_path / "d.npz")}}), dash.data.message.text()
    dash.training.epochs.setValue(2)
    model, _ = dash.bridge.provide()
    before = [w.copy() for w in model.get_weights()]
    with qtbot.waitSignal(dash.training.runFinished, timeout=60000) as blocker:
        win.train_action.trigger()
    assert blocker.args[0]["status"] == "finished", dash.training.message.text()
    assert dash.training.runner.in_process  # block classes do not pickle: the child compiled the document
    assert dash.bridge.compiled.model is model
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # trained weights came back
    with qtbot.waitSignal(dash.training.runFinished, timeout=60000) as blocker:
        win.train_action.trigger()
    assert blocker.args[0]["status"] == "finished" and dash.store.runs[-1].settings["continued_from"] == "run 1"
