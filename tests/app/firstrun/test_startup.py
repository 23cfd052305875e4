"""Start-up: the window paints before the heavy parts load; then dashboard, warm-up, file or welcome."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from app.firstrun.startup import FirstPaint, finish_startup, schedule_startup
from app.firstrun.welcome import SHOW_AT_START_KEY

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.gui


def test_first_paint_fires_once(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    FirstPaint(widget, lambda: calls.append(1), fallback_ms=60_000)
    widget.show()
    qtbot.waitUntil(lambda: calls == [1])
    widget.repaint()
    qtbot.wait(20)
    assert calls == [1]


def test_first_paint_fallback_without_paint(qtbot):
    widget = QWidget()  # never shown
    calls = []
    FirstPaint(widget, lambda: calls.append(1), fallback_ms=10)
    qtbot.waitUntil(lambda: calls == [1])
    widget.deleteLater()


def _noop_warm(progress):
    progress(1, 1)


def test_finish_startup_shows_welcome_without_a_file(qapp, qtbot, window):
    finish_startup(window, qapp, warm=_noop_warm)
    assert window.welcome_dialog.isVisible()
    assert window.train_action.isEnabled()  # the dashboard was attached
    qtbot.waitUntil(lambda: window.kernel_warmup.done)
    window.welcome_dialog.close()


def test_a_file_opens_at_once_and_skips_welcome(qapp, qtbot, window, examples_folder, monkeypatch):
    import app.firstrun.startup as startup

    path = examples_folder / "a_classifier.strata"
    finished = []
    monkeypatch.setattr(startup, "finish_startup", lambda *args, **kwargs: finished.append(kwargs))
    schedule_startup(window, [str(path)], qapp)
    assert window.open_running() and not finished  # being read (on a worker) before the first paint
    qtbot.waitUntil(lambda: window.file_path == path)
    window.update()
    qtbot.waitUntil(lambda: finished == [{"file_given": True}])
    finish_startup(window, qapp, file_given=True, warm=_noop_warm)
    assert getattr(window, "welcome_dialog", None) is None


def test_welcome_can_be_turned_off(qapp, qtbot, window):
    window.settings.setValue(SHOW_AT_START_KEY, False)
    finish_startup(window, qapp, warm=_noop_warm)
    assert getattr(window, "welcome_dialog", None) is None


def test_launch_paints_before_heavy_modules(tmp_path):
    """A real `python -m app` launch reaches its first paint without torch, keras, numba or scipy."""
    probe = tmp_path / "probe.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STRATA_STARTUP_PROBE=str(probe),
               XDG_CONFIG_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    completed = subprocess.run([sys.executable, "-m", "app"], env=env, cwd=ROOT, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    loaded = json.loads(probe.read_text(encoding="utf-8"))["loaded"]
    for heavy in ("torch", "keras", "numba", "scipy", "engine.backend.cpu"):
        assert heavy not in loaded, loaded


def test_warmup_command_reports_progress(monkeypatch, capsys):
    import engine.backend
    from app.cli import main

    def fake(progress):
        for done in (1, 2, 3):
            progress(done, 3)

    monkeypatch.setattr(engine.backend, "warmup", fake)
    assert main(["warmup"]) == 0
    captured = capsys.readouterr()
    assert "kernels 3/3" in captured.err and "kernels ready" in captured.out


def test_nothing_starts_for_a_window_closed_before_painting(qapp, qtbot, settings, monkeypatch):
    import app.firstrun.startup as startup
    from app.main_window import MainWindow

    started = []
    monkeypatch.setattr(startup, "finish_startup", lambda *args, **kwargs: started.append(True))
    window = MainWindow(settings=settings)
    window.show()
    first_paint = schedule_startup(window, [], qapp)
    window.close()
    first_paint.fire()
    assert not started
    window.deleteLater()
