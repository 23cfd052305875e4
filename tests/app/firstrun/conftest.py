"""Fixtures for the first-run tests: a main window on throwaway settings, no blocking dialogs."""

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication, QMessageBox


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """Message boxes answer at once (recorded) instead of blocking."""
    asked = []

    def answer(kind, default):
        def box(parent, title, text, *args, **kwargs):
            asked.append((kind, title, text))
            return default
        return box

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer("question", QMessageBox.StandardButton.No)))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(answer("warning", QMessageBox.StandardButton.Ok)))
    return asked


@pytest.fixture
def settings(tmp_path):
    store = QSettings(str(tmp_path / "strata.ini"), QSettings.Format.IniFormat)
    store.setValue("recovery_dir", str(tmp_path / "recovery"))
    store.setValue("trust_path", str(tmp_path / "trust.json"))
    return store


@pytest.fixture
def window(qtbot, settings):
    from app.main_window import MainWindow

    win = MainWindow(settings=settings)
    win.resize(1000, 700)
    win.show()
    qtbot.waitExposed(win)
    yield win
    warmup = getattr(win, "kernel_warmup", None)
    if warmup is not None:
        warmup.cancel()
    win.editor.undo_stack.setClean()
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def examples_folder(tmp_path):
    """Two small example projects and an index.json with English and Chinese titles."""
    import json

    from app.panels import files
    from app.screenshot import demo_document

    folder = tmp_path / "examples"
    folder.mkdir()
    files.save_document(demo_document(), folder / "a_classifier.strata")
    files.save_document(demo_document(), folder / "b_plain_name.strata")
    index = {"a_classifier.strata": {"title": {"en": "A classifier", "zh_CN": "分类器"},
                                     "description": {"en": "Sorts digits.", "zh_CN": "识别数字。"}}}
    (folder / "index.json").write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    return folder
