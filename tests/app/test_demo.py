"""`python -m app.demo`: the headless path (train, export, screenshot) and the window path."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import pytest

from app import demo
from app.graph.project import TrustStore, load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("STRATA_DEMO_EPOCHS", raising=False)


@pytest.mark.parametrize("environ, platform, expected", [
    ({}, "linux", True),
    ({"DISPLAY": ":0"}, "linux", False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", True),
    ({}, "darwin", False),
    ({"QT_QPA_PLATFORM": "offscreen"}, "win32", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", False),
])
def test_headless_detection(environ, platform, expected):
    assert demo.is_headless(environ, platform) is expected


def test_make_run_starts_the_demo():
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m app.demo" in run_recipe
    assert demo.DEMO_PROJECT.is_file() and demo.DEMO_PROJECT.parent == ROOT / "resources" / "examples"


def test_headless_demo_trains_exports_and_screenshots(tmp_path, monkeypatch, capsys, qapp):
    from PySide6.QtGui import QImage

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("STRATA_DEMO_EPOCHS", "2")
    out = tmp_path / "results"
    assert demo.main(["--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "headless" in printed
    assert "Epoch 1/2" in printed and "Epoch 2/2" in printed
    assert re.search(r"\[=+\] .*loss: \d", printed), printed  # the Keras progress bar

    project = load_project(out / "09_spiral.strata", trust=TrustStore(tmp_path / "trust.json"))
    run = project.history[-1]
    assert run["epoch"] == [1, 2] and all(math.isfinite(v) for v in run["loss"])
    assert run["loss"][1] < run["loss"][0]
    arrays, _ = project.weights.to_arrays()
    assert sum(a.size for a in arrays.values()) == project.total_params()

    code = out / "09_spiral.py"
    spec = importlib.util.spec_from_file_location("demo_export", code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_model().count_params() == project.total_params()

    png = out / "09_spiral.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(png))
    assert image.width() >= 800 and image.height() >= 500
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(colours) > 10  # a rendered window, not a blank image
    assert not (demo.EXAMPLES_DIR / "09_spiral.strata.bak").exists()  # the shipped example is untouched


def test_headless_without_screenshot_writes_project_and_code(tmp_path, capsys):
    out = tmp_path / "o"
    assert demo.main(["--headless", "--epochs", "1", "--no-screenshot", "--output", str(out),
                      "--project", str(demo.EXAMPLES_DIR / "08_sine_lstm.strata")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["08_sine_lstm.py", "08_sine_lstm.strata"]
    assert re.search(r"\d+/\d+ \[=+\] .*loss: \d", capsys.readouterr().out)


@pytest.mark.parametrize("argv, env, message", [
    (["--headless", "--epochs", "0"], None, "epochs must be at least 1; received 0"),
    (["--headless"], "many", "STRATA_DEMO_EPOCHS must be a whole number; received 'many'"),
    (["--headless", "--project", "nowhere.strata"], None, "nowhere.strata: cannot read"),
])
def test_bad_input_is_one_clear_message(argv, env, message, tmp_path, monkeypatch, capsys):
    if env is not None:
        monkeypatch.setenv("STRATA_DEMO_EPOCHS", env)
    assert demo.main(argv + ["--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_training_needs_a_data_set(tmp_path):
    doc = demo.load(demo.DEMO_PROJECT)
    doc.settings["data"] = None
    with pytest.raises(demo.DemoError, match="no data set"):
        demo.train_document(doc, epochs=1, verbose=0)


def test_window_opens_on_the_demo_project(monkeypatch, qapp, tmp_path):
    """With a display, the main window shows the demo project (as an unsaved copy of the example)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    seen = {}

    def inspect_and_close():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and windows[-1].open_running():  # the project is read on a worker: look again soon
            QTimer.singleShot(20, inspect_and_close)
            return
        if windows:
            window = windows[-1]
            seen["name"] = window.document.model.name
            seen["file_path"] = window.file_path
            seen["nodes"] = len(window.document.model.nodes)
            window.editor.undo_stack.setClean()
            window.close()
        QApplication.instance().quit()

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(demo, "is_headless", lambda *a, **k: False)
    QTimer.singleShot(0, inspect_and_close)
    assert demo.main([]) == 0
    assert seen == {"name": "SpiralMLP", "file_path": None, "nodes": 5}
    assert MainWindow.open_path.__name__ == "open_path"  # the demo's hook is removed again
    # a quit() that arrives after exec() returned leaves Qt quitting: every later nested event
    # loop (qtbot.wait, waitSignal) would return at once. A short exec() clears that for the next tests.
    QTimer.singleShot(0, QApplication.instance().quit)
    QApplication.instance().exec()
