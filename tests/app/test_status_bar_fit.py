"""Everything in the status bar stays visible: at 1280 px and wider (and down to the window's
minimum width) the permanent widgets shrink and elide instead of running off the right edge, and
a long message is cut with "…" before them."""

from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QApplication, QWidget

from app.firstrun.warmup import WarmupIndicator
from app.graph.project import TrustStore, load_project
from app.launch import create_window
from app.panels.theme import apply_theme

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "03_mlp_block.strata"
LONG = "Training finished. Press “Back to editing” (Ctrl+Shift+T) when you are done reading the results."


class FakeWarmup(QObject):
    progress = Signal(int, int)
    finished = Signal()
    failed = Signal(str)


@pytest.fixture
def busy_window(qtbot, tmp_path, qapp):
    """The MLP example with everything the status bar can hold at once: the way back from the training
    view, a run's progress, the kernel warm-up, the problem count and the zoom, plus a long message."""
    font = qapp.font()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    document = load_project(EXAMPLE, trust=TrustStore())
    win = create_window(settings, document=document)
    win.maybe_save = lambda: True
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.set_document(document, EXAMPLE)
    status = win.dashboard.run_status
    status._began({"epochs": 100, "steps": 938})
    status._batches([{"epoch": 41, "batch": 411, "steps": 938, "eta_s": 4754, "samples_per_s": 123456.0}])
    win.dashboard.view_mode.back_button.show()
    WarmupIndicator(FakeWarmup(win), win).show_progress(12, 40)
    win._show_problem_count(12)
    win.statusBar().showMessage(LONG)
    yield win
    win.dashboard.shutdown()
    win.editor.undo_stack.setClean()
    qapp.setStyleSheet("")
    qapp.setFont(font)


def check_fits(win):
    bar = win.statusBar()
    QApplication.processEvents()
    widgets = sorted((w for w in bar.findChildren(QWidget) if w.isVisible() and w.parent() is bar
                      and type(w).__name__ != "QSizeGrip"), key=lambda w: w.x())
    assert len(widgets) >= 9  # back, progress, epoch, batch, ETA, rate, warm-up, problems, zoom
    for left, right in zip(widgets, widgets[1:]):
        assert left.geometry().right() < right.x(), (left, right)
    for widget in widgets:
        assert widget.x() >= 0 and widget.geometry().right() < bar.width(), (widget, widget.geometry(), bar.width())
        assert widget.width() > 0
    shown = getattr(bar, "shown_message", bar.currentMessage)()
    room = max(widgets[0].x() - 4, 0)
    assert bar.fontMetrics().horizontalAdvance(shown) <= room, (shown, room)
    assert shown == LONG or shown.endswith("…") or (shown == "" and room < 30)
    assert bar.currentMessage() == LONG  # the whole message is still there for whoever asks
    return widgets


@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize("width", [1280, 1400, 1920])
def test_status_bar_contents_all_visible(busy_window, qapp, width, presentation):
    busy_window.presentation = presentation
    busy_window._apply_appearance()
    busy_window.resize(width, 860)
    widgets = check_fits(busy_window)
    if width == 1920 and not presentation:  # room enough: no label is cut
        for widget in widgets:
            if hasattr(widget, "shown_text"):
                assert widget.shown_text() == widget.text()


def test_status_bar_squeezes_down_to_the_window_minimum(busy_window, qapp):
    busy_window.presentation = True
    busy_window._apply_appearance()
    busy_window.resize(busy_window.minimumSizeHint().width(), 860)
    widgets = check_fits(busy_window)
    cut = [w for w in widgets if hasattr(w, "shown_text") and w.shown_text() != w.text()]
    assert cut and all(w.text() in w.toolTip() for w in cut)  # what was cut is in the tooltip
