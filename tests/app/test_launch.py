"""One window factory: the app, `strata --screenshot` and the headless demo show the same window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app import demo, launch


@pytest.fixture
def spy_windows(monkeypatch):
    """Every window the shared factory builds, with what its Training tab showed when rendered."""
    made = []
    original = launch.create_window

    def create(*args, **kwargs):
        window = original(*args, **kwargs)
        made.append(window)
        grab = window.grab

        def grab_and_record(*grab_args):
            dashboard = getattr(window, "dashboard", None)
            shown = {"train_enabled": window.train_action.isEnabled(), "dashboard": dashboard is not None}
            if dashboard is not None:
                runs = dashboard.store.runs
                shown.update(training_tab=dashboard.training.isVisible(), runs=len(runs),
                             plots=sorted(dashboard.training.plots.plots),
                             loss_points=len(dashboard.training.plots.points("loss", runs[-1])[0]) if runs else 0)
            window.shown_at_grab = shown
            return grab(*grab_args)

        window.grab = grab_and_record
        return window

    monkeypatch.setattr(launch, "create_window", create)
    return made


def test_create_window_attaches_the_dashboard_and_loads_the_project(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = launch.create_window(settings, path=demo.EXAMPLES_DIR / "05_logistic_endpoint.strata")
    qtbot.addWidget(window)
    window.maybe_save = lambda: True
    try:
        assert window.train_action.isEnabled()
        assert window.dashboard.training.loss.currentText() == "none (add_loss only)"
        assert launch.attach_dashboard(window) is window.dashboard  # once only
    finally:
        window.dashboard.shutdown()
    bare = launch.create_window(settings, dashboard=False)
    qtbot.addWidget(bare)
    assert not bare.train_action.isEnabled() and getattr(bare, "dashboard", None) is None


def test_screenshot_command_shows_the_dashboard(qapp, tmp_path, spy_windows):
    from app.screenshot import main

    assert main([str(tmp_path / "shot.png")]) == 0
    shown = spy_windows[-1].shown_at_grab
    assert shown["dashboard"] and shown["train_enabled"]


def test_headless_demo_screenshot_shows_the_finished_run_in_the_training_tab(qapp, tmp_path, spy_windows):
    written = demo.run_headless(output=tmp_path / "out", epochs=2)
    assert written["screenshot"].exists()
    assert spy_windows[-1].shown_at_grab == {"train_enabled": True, "dashboard": True, "training_tab": True,
                                             "runs": 1, "plots": ["accuracy", "loss"], "loss_points": 2}
