"""File › Open reads projects and imports .keras models on a worker thread: the event loop runs
while the file is read, the status bar says so, the result is the document a direct read gives,
errors name the file and layer and change nothing, and an imported model is titled after itself."""

import hashlib
import json
import threading
import zipfile

import pytest

from app.graph import MODEL_ID, AddNode
from app.graph.serialize import document_to_dict
from app.panels import files

WAIT_MS = 60000


def _keras_model(path):
    import keras

    inputs = keras.Input(shape=(4,), name="x")
    h = keras.layers.Dense(4, name="stem")(inputs)
    for i in range(2):
        branch = keras.layers.Dense(4, activation="relu", name=f"block{i}_a")(h)
        h = keras.layers.Add(name=f"block{i}_add")([h, keras.layers.Dense(4, name=f"block{i}_b")(branch)])
    keras.Model(inputs, h, name="twin_blocks").save(path)
    return path


@pytest.fixture
def read_threads(monkeypatch):
    """The threads `files.load_document` ran on."""
    seen = []
    original = files.load_document

    def recording(path, trust_store=None):
        seen.append(threading.current_thread())
        return original(path, trust_store)

    monkeypatch.setattr(files, "load_document", recording)
    return seen


def _structure(document):
    data = document_to_dict(document)
    return json.dumps(data, sort_keys=True, default=str)


def test_a_keras_model_is_imported_on_a_worker_and_gives_the_same_document(window, qtbot, tmp_path, read_threads):
    path = _keras_model(tmp_path / "model.keras")
    before = window.document
    arrived = []
    window.document_replaced.connect(arrived.append)
    assert window.open_path(str(path))
    # control is back in the event loop: the import has not replaced anything yet
    assert window.open_running() and window.document is before and arrived == []
    assert window.open_indicator.bar.isVisibleTo(window.statusBar())
    assert "Importing model.keras" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: bool(arrived), timeout=WAIT_MS)
    assert read_threads and all(t is not threading.main_thread() for t in read_threads)
    assert not window.open_running() and not window.open_indicator.bar.isVisibleTo(window.statusBar())
    assert "Imported model.keras" in window.statusBar().currentMessage()
    assert arrived == [window.document]
    assert _structure(window.document) == _structure(files.load_document(path))  # as a direct import gives
    assert set(window.scene.node_items) == set(window.document.model.nodes)
    assert not window.is_modified() and window.file_path is None


def test_a_project_is_read_on_a_worker_too(window, qtbot, tmp_path, read_threads):
    path = tmp_path / "model.strata"
    window.editor.execute(AddNode(MODEL_ID, "Dense", {"units": 3}))
    assert window.save_to(path)
    window.set_document(type(window.document)())
    assert window.open_path(str(path))
    assert window.open_running() and window.file_path is None
    assert "Opening model.strata" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.open_running(), timeout=WAIT_MS)
    assert read_threads[-1] is not threading.main_thread()
    assert window.file_path == path and window.windowTitle() == "model.strata — Strata"
    assert [n.type for n in window.document.model.nodes.values()] == ["Dense"]


def _truncated(tmp_path):
    whole = _keras_model(tmp_path / "whole.keras").read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(whole[: len(whole) // 2])
    return path, "truncated.keras: not a .keras archive (not a zip file, or truncated)"


def _custom_class(tmp_path):
    path = tmp_path / "custom.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "MyLayer", "config": {"name": "mine"}, "inbound_nodes": []}]}}))
    return path, "'mine' is an instance of the custom class 'MyLayer'"


def _bytecode_lambda(tmp_path):
    import keras

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2, name="double")(inputs))
    model.save(tmp_path / "bytecode.keras")
    return tmp_path / "bytecode.keras", "'double' is a Lambda: the file stores its Python function as bytecode"


@pytest.mark.parametrize("make", [_truncated, _custom_class, _bytecode_lambda])
def test_a_refused_import_names_file_and_layer_and_changes_nothing(window, qtbot, tmp_path, no_modal_dialogs, make):
    path, expected = make(tmp_path)
    window.editor.execute(AddNode(MODEL_ID, "Dense", {"units": 3}))
    document, before = window.document, _structure(window.document)
    undo_index, title = window.editor.undo_stack.index(), window.windowTitle()
    assert window.open_path(str(path))
    qtbot.waitUntil(lambda: not window.open_running(), timeout=WAIT_MS)
    warnings = [(title_, text) for kind, title_, text in no_modal_dialogs if kind == "warning"]
    assert len(warnings) == 1 and warnings[0][0] == "Cannot open"
    assert str(path) in warnings[0][1] and expected in warnings[0][1]
    assert window.document is document and _structure(document) == before
    assert window.editor.undo_stack.index() == undo_index and window.windowTitle() == title
    assert not window.open_indicator.bar.isVisibleTo(window.statusBar())
    assert str(path.resolve()) not in window.recent_files()


def test_edits_made_while_importing_are_not_dropped_silently(window, qtbot, tmp_path, no_modal_dialogs):
    path = _keras_model(tmp_path / "model.keras")
    document = window.document
    assert window.open_path(str(path))
    window.editor.execute(AddNode(MODEL_ID, "Dense", {"units": 3}))  # the user goes on editing meanwhile
    qtbot.waitUntil(lambda: not window.open_running(), timeout=WAIT_MS)
    asked = [text for kind, _title, text in no_modal_dialogs if kind == "question"]
    assert asked and "Save changes to Untitled?" in asked[-1]
    assert window.document is document  # the fixture answered No (not Save, not Discard): nothing replaced
    assert "cancelled" in window.statusBar().currentMessage()


def test_a_later_open_wins_over_an_import_still_running(window, qtbot, tmp_path):
    keras_path = _keras_model(tmp_path / "model.keras")
    project = tmp_path / "later.strata"
    window.editor.execute(AddNode(MODEL_ID, "Dense", {"units": 5}))
    assert window.save_to(project)
    assert window.open_path(str(keras_path))
    assert window.open_path(str(project), wait=True)
    qtbot.wait(50)
    first = window.open_job
    assert first is None and window.file_path == project
    # the abandoned import's result, delivered late, is ignored
    stale = files.load_document(keras_path)
    window._open_finished(object(), stale)
    assert window.document is not stale and window.file_path == project


def test_an_imported_model_is_titled_after_itself_and_saves_beside_it_as_a_project(window, qtbot, tmp_path,
                                                                                     monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    path = _keras_model(tmp_path / "model.keras")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert window.open_path(str(path))
    qtbot.waitUntil(lambda: not window.open_running(), timeout=WAIT_MS)
    assert window.windowTitle() == "TwinBlocks (from model.keras) — Strata"
    window.editor.execute(AddNode(MODEL_ID, "Dense", {"units": 3}))
    assert window.windowTitle() == "TwinBlocks (from model.keras) • — Strata"
    offered = []

    def choose(parent, caption, suggested, filters):
        offered.append((suggested, filters))
        return str(tmp_path / "chosen"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    assert window.save()  # no project file yet: Save asks where
    assert offered == [(str(tmp_path / "model.strata"), "Strata projects (*.strata)")]
    assert window.file_path == tmp_path / "chosen.strata" and (tmp_path / "chosen.strata").is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # the .keras file is never written
    assert window.windowTitle() == "chosen.strata — Strata"
    window.new_document()
    assert window.windowTitle() == "Untitled — Strata"
