"""Fixtures for driving the real main window offscreen."""

import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """Message boxes answer at once (recorded in the returned list) instead of blocking."""
    from PySide6.QtWidgets import QMessageBox

    asked = []

    def answer(kind, default):
        def box(parent, title, text, *args, **kwargs):
            asked.append((kind, title, text))
            return default
        return box

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer("question", QMessageBox.StandardButton.No)))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(answer("warning", QMessageBox.StandardButton.Ok)))
    return asked


def structure(document) -> dict:
    """The document's comparable picture without the id counter (undo keeps ids fresh)."""
    snapshot = document.snapshot()
    snapshot.pop("counter", None)
    return snapshot


@pytest.fixture(autouse=True)
def plain_application_style(qapp):
    """Tests that apply a theme leave no stylesheet behind (restyling later widgets is slow)."""
    font = qapp.font()
    yield
    if qapp.styleSheet():
        qapp.setStyleSheet("")
    qapp.setFont(font)


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
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.editor.undo_stack.setClean()  # no "save changes?" prompt at teardown
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def send_mouse(view, kind, scene_pos, button=Qt.MouseButton.LeftButton, buttons=None,
               modifiers=Qt.KeyboardModifier.NoModifier):
    """Deliver a real mouse event to the view's viewport at a scene position."""
    local = QPointF(view.mapFromScene(scene_pos))
    global_pos = QPointF(view.viewport().mapToGlobal(local.toPoint()))
    if buttons is None:
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, local, global_pos, button, buttons, modifiers)
    QApplication.sendEvent(view.viewport(), event)


def drag(view, start, end, modifiers=Qt.KeyboardModifier.NoModifier, steps=4):
    """Press at `start`, move in steps, release at `end` (scene coordinates)."""
    send_mouse(view, QEvent.Type.MouseButtonPress, start, modifiers=modifiers)
    for index in range(1, steps + 1):
        point = start + (end - start) * (index / steps)
        send_mouse(view, QEvent.Type.MouseMove, point, button=Qt.MouseButton.NoButton,
                   buttons=Qt.MouseButton.LeftButton, modifiers=modifiers)
    send_mouse(view, QEvent.Type.MouseButtonRelease, end, modifiers=modifiers)
