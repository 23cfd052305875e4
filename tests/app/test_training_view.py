"""The training view, driven through the real main window offscreen: Train switches the layout,
the toolbar button becomes Pause/Resume, the status bar shows the run, plots follow the theme,
the decision boundary is square, large and redrawn at a fixed frame rate."""

import re
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.graph.project import TrustStore, load_project
from app.launch import create_window
from app.plots.frame_throttle import FrameThrottle
from app.plots.plot_theme import contrast_ratio, plot_theme
from app.training.run_controls import PAUSED, RUNNING, format_eta

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "03_mlp_block.strata"
WAIT_MS = 120000


@pytest.fixture
def plain_style(qapp):
    font = qapp.font()
    yield
    qapp.setStyleSheet("")
    qapp.setFont(font)


@pytest.fixture
def mlp_window(qtbot, tmp_path, plain_style):
    """The MLPBlock example (circles data) in a 1600x1000 window with the dashboard, as `strata` opens it."""
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    document = load_project(EXAMPLE, trust=TrustStore())
    win = create_window(settings, document=document)
    win.maybe_save = lambda: True
    qtbot.addWidget(win)
    win.resize(1600, 1000)
    win.show()
    qtbot.waitExposed(win)
    win.set_document(document, EXAMPLE)
    QApplication.processEvents()
    win.dashboard.training.epochs.setValue(3)
    yield win, win.dashboard
    win.dashboard.shutdown()
    win.editor.undo_stack.setClean()


def in_front(dock) -> bool:
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def pump(rounds=10):
    for _ in range(rounds):
        QApplication.processEvents()


def test_train_switches_to_the_training_view_at_once_and_back_on_demand(qtbot, mlp_window):
    win, dash = mlp_window
    training, results = dash.tabs["Training"], dash.tabs["Results"]
    assert not in_front(training)  # the example opens on another tab
    canvas_height = win.view.height()
    transform = win.view.transform()
    button = win.toolbar.widgetForAction(win.train_action)
    width = button.width()
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS) as finished:
        win.train_action.trigger()
        # at once, before any event is processed or a batch trained
        assert dash.view_mode.active and win.train_action.text().endswith("Pause")
        assert win.stop_action.isEnabled() and dash.view_mode.back_button.isVisibleTo(win)
        assert dash.view_mode.action.isChecked()
        pump()
        assert in_front(training) and in_front(results)
        assert results.geometry().left() >= training.geometry().right()  # boundary beside the plots
        assert training.height() >= 0.55 * win.centralWidget().height() + training.height() * 0.55 - 1
        assert 100 < win.view.height() < canvas_height  # the canvas is still there, smaller
        assert dash.view_mode.settings_folded()  # the plots take the settings column's width
        assert dash.training.plots_scroll.width() > 0.5 * training.width()
        win.train_action.trigger()
        assert dash.controls.state() == PAUSED and win.train_action.text().endswith("Resume")
        win.train_action.trigger()
        assert dash.controls.state() == RUNNING and win.train_action.text().endswith("Pause")
        assert button.width() == width  # Train, Pause, Resume: the same width
    assert finished.args[0]["status"] == "finished"
    pump()
    # the run ended: the view stays, and the way back is offered
    assert dash.view_mode.active and in_front(training)
    assert win.train_action.text().endswith("Train") and not win.stop_action.isEnabled()
    assert "Back to editing" in win.statusBar().currentMessage()
    assert dash.view_mode.back_button.property("finished") is True
    dash.view_mode.back_button.click()
    pump()
    assert not dash.view_mode.active and not dash.view_mode.back_button.isVisibleTo(win)
    assert not dash.view_mode.action.isChecked()
    # the status bar may gain or lose a line of kernel warm-up text meanwhile: a few pixels
    assert abs(win.view.height() - canvas_height) <= 4 and win.view.transform() == transform
    assert not in_front(training) and not dash.view_mode.settings_folded()
    # and the View menu's toggle enters and leaves it too
    dash.view_mode.action.trigger()
    assert dash.view_mode.active
    dash.view_mode.action.trigger()
    assert not dash.view_mode.active and abs(win.view.height() - canvas_height) <= 4


def test_closing_in_the_training_view_remembers_the_editing_layout(mlp_window):
    win, dash = mlp_window
    editing = win.saveState()
    dash.view_mode.enter()
    pump()
    assert win.saveState() != editing
    win.save_layout()
    assert bytes(win.settings.value("window/state")) == bytes(editing)
    dash.view_mode.leave()
    win.save_layout()
    assert bytes(win.settings.value("window/state")) == bytes(win.saveState())


def test_a_refused_train_press_shows_the_training_tab_with_the_reason(mlp_window):
    win, dash = mlp_window
    dash.data.clear()
    dash.training.set_dataset(None)
    win.train_action.trigger()
    pump()
    assert not dash.view_mode.active and in_front(dash.tabs["Training"])
    assert "data set" in dash.training.message.text()
    assert win.train_action.text().endswith("Train")


def test_the_training_tabs_train_button_opens_the_view_and_a_refusal_unfolds_the_settings(qtbot, mlp_window):
    win, dash = mlp_window
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        dash.training.train_button.click()
        assert dash.view_mode.active and win.train_action.text().endswith("Pause")
    pump()
    assert dash.view_mode.settings_folded()
    dash.training.set_dataset(None)
    win.train_action.trigger()  # refused: no data set; the reason must be visible
    pump()
    assert dash.view_mode.active and not dash.view_mode.settings_folded()
    assert dash.training.message.isVisible() and "data set" in dash.training.message.text()


def test_status_bar_shows_epoch_batch_eta_and_samples_per_second(qtbot, mlp_window):
    win, dash = mlp_window
    status = dash.run_status
    seen = []
    dash.training.runner.batches.connect(
        lambda _reports: seen.append((status.fields(), status.epoch_label.isVisible())))
    assert not status.epoch_label.isVisible()
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        win.train_action.trigger()
    assert seen and all(visible for _, visible in seen)
    last = seen[-1][0]
    steps = int(np.ceil(300 * 0.8 / 32))  # circles: 300 samples, 20 % validation, batches of 32
    assert last["epoch"] == "epoch 3/3" and last["batch"] == f"batch {steps}/{steps}"
    assert re.fullmatch(r"ETA \d+:\d\d", last["eta"]), last
    assert re.fullmatch(r"[\d,]+ samples/s", last["rate"]) and last["rate"] != "0 samples/s", last
    assert [f["epoch"] for f, _ in seen][0] == "epoch 1/3"
    assert not status.epoch_label.isVisible()  # hidden again after the run
    # a continued run counts its own epochs
    seen.clear()
    dash.training.epochs.setValue(2)
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        win.train_action.trigger()
    assert dash.store.runs[-1].settings.get("continued_from") and seen[-1][0]["epoch"] == "epoch 2/2"


def test_format_eta():
    assert [format_eta(s) for s in (None, float("nan"), 0, 42.4, 605, 3723)] == ["?", "?", "0:00", "0:42", "10:05",
                                                                                "1:02:03"]


def plot_widgets(dash):
    return [w for w in dash.training.findChildren(pg.GraphicsView) + dash.results.findChildren(pg.GraphicsView)
            + dash.data.findChildren(pg.GraphicsView) + [dash.results.boundary]]


def add_values(dash):
    run = dash.store.new_run({"epochs": 2}, "v1", "circles")
    dash.training.plots.set_current(run)
    for step in range(4):
        run.add_batch(step / 2, {"loss": 1.0 / (step + 1), "accuracy": step / 4})
    run.add_epoch(0, {"loss": 0.5, "accuracy": 0.5, "val_loss": 0.6, "val_accuracy": 0.4})
    dash.training.plots.update_run(run)
    return run


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_plots_follow_the_theme_switch(mlp_window, theme):
    win, dash = mlp_window
    run = add_values(dash)
    other = "light" if theme == "dark" else "dark"
    win.set_theme(other)
    win.set_theme(theme)
    expected = plot_theme(theme)
    widgets = plot_widgets(dash)
    assert len(widgets) >= 4  # loss, accuracy, the boundary, the data preview
    for widget in widgets:
        assert widget.backgroundBrush().color().name() == expected.background, widget
    plot = dash.training.plots.plots["loss"]
    axis = plot.getAxis("left")
    assert axis.textPen().color().name() == expected.foreground
    assert contrast_ratio(axis.textPen().color().name(), expected.background) >= 7
    epoch = dash.training.plots._items[(id(run), "loss", "epoch")]
    colour = epoch.opts["pen"].color().name()
    assert colour == expected.current[0] and contrast_ratio(colour, expected.background) >= 3
    if theme == "dark":
        for widget in widgets:  # never a white plot inside the dark theme
            assert widget.backgroundBrush().color().lightness() < 80
        field = dash.results.boundary
        field.set_boundary((np.linspace(-1, 1, 4), np.linspace(-1, 1, 4), np.zeros((4, 4), int), np.zeros((4, 4))))
        assert field.last_rgb.max() < 140  # a low-confidence field fades into the dark background, not to white
    confusion = dash.results.confusion
    confusion.show_matrix(np.array([[5, 0], [1, 4]]))
    assert confusion.item(0, 1).background().color().name() == expected.background  # an empty cell: no white box
    assert confusion.item(0, 1).foreground().color().name() == expected.foreground
    # Presentation: thicker lines and larger text
    thin, small = epoch.opts["pen"].widthF(), axis.style["tickFont"].pixelSize()
    win.set_presentation(True)
    assert epoch.opts["pen"].widthF() > thin and axis.style["tickFont"].pixelSize() > small
    assert epoch.opts["pen"].widthF() >= 3.5 and axis.style["tickFont"].pixelSize() >= 16
    assert dash.training.plots.plots["loss"].titleLabel.opts["size"] == f"{plot_theme(theme, True).title_px}px"


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("presentation", [False, True])
def test_plot_themes_have_enough_contrast(theme, presentation):
    t = plot_theme(theme, presentation)
    assert contrast_ratio(t.foreground, t.background) >= 7
    assert all(contrast_ratio(c, t.background) >= 3 for c in t.current)
    assert all(contrast_ratio(c, t.background) >= 1.5 for c in t.muted)
    with pytest.raises(ValueError, match="unknown theme 'blue'"):
        plot_theme("blue")


def test_decision_boundary_is_square_and_large_in_the_training_view(mlp_window):
    win, dash = mlp_window
    boundary = dash.results.boundary
    dash.view_mode.enter()
    pump()
    assert boundary.isVisible()
    assert boundary.width() >= 400 and boundary.height() >= 400
    box = boundary.getPlotItem().getViewBox()
    assert box.state["aspectLocked"] == 1.0
    px, py = box.viewPixelSize()  # data units per screen pixel, along x and y
    assert px == pytest.approx(py, rel=0.01)
    dash.view_mode.leave()
    pump()
    assert boundary.minimumWidth() == 0 and boundary.minimumHeight() == 0  # the editing layout may be short


def test_the_boundary_redraws_at_a_fixed_frame_rate(mlp_window):
    win, dash = mlp_window
    boundary, frames = dash.results.boundary, dash.boundary_frames
    assert frames.timer.interval() == 200  # 5 frames a second
    grid = (np.linspace(-1, 1, 6), np.linspace(-1, 1, 6))
    burst = [(*grid, np.full((6, 6), k % 2), np.full((6, 6), 0.9)) for k in range(50)]
    for grid_k in burst:
        dash.training.boundaryReady.emit(grid_k)
    assert boundary.draws == 1 and frames.timer.isActive()  # the first at once, the rest wait
    frames.timer.timeout.emit()  # one frame later: only the newest grid is drawn
    assert boundary.draws == 2 and boundary.last_boundary is burst[-1]
    frames.timer.timeout.emit()  # nothing new: no redraw, and the timer rests
    assert boundary.draws == 2 and not frames.timer.isActive()
    dash.training.boundaryReady.emit(burst[0])
    assert boundary.draws == 3  # after a rest the next grid is drawn at once


def test_frame_throttle_flush_draws_the_waiting_value(qapp):
    drawn = []
    throttle = FrameThrottle(drawn.append, fps=4)
    assert throttle.timer.interval() == 250
    for k in range(10):
        throttle.submit(k)
    throttle.flush()
    assert drawn == [0, 9] and not throttle.timer.isActive() and throttle.frames == 2
    throttle.flush()
    assert drawn == [0, 9]


def test_a_train_press_says_at_once_that_the_run_is_starting(qtbot, mlp_window):
    # the first run after installing waits for its kernels to compile: a minute with nothing to plot
    win, dash = mlp_window
    grid = dash.training.plots
    assert grid.placeholder.isVisible() and "Press Train" in grid.placeholder.text()
    began = []
    dash.training.runner.began.connect(began.append)
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        win.train_action.trigger()
        assert not began  # what follows is what the user sees before the training process reports
        assert dash.run_status.epoch_label.isVisible() and dash.run_status.epoch_label.text() == "starting…"
        assert grid.placeholder.isVisible() and grid.placeholder.text().startswith("Starting the run")
    pump()
    assert grid.plots and not grid.placeholder.isVisible()


def test_the_toolbar_run_texts_have_glyphs_in_an_installed_font(mlp_window):
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

    win, dash = mlp_window
    metrics = [QFontMetrics(QFont(family)) for family in QFontDatabase.families()]
    for text in dash.controls.texts.values():
        for char in text.strip():
            assert any(m.inFontUcs4(ord(char)) for m in metrics), (text, hex(ord(char)))


def test_step_from_the_toolbar_opens_the_training_view_with_the_terms_in_sight(qtbot, mlp_window):
    win, dash = mlp_window
    live, view = dash.training.live_panel, dash.view_mode
    for action in (live.step_action, live.continue_action):
        button = win.toolbar.widgetForAction(action)
        assert button is not None and button.isVisible()
    assert [win.toolbar.widgetForAction(a).text() for a in (live.step_action, live.continue_action)] == [
        "Step", "Continue"]  # short: the toolbar fits 1600 px in presentation mode
    live.step_action.trigger()
    assert view.active and dash.training.runner.running and dash.training.runner.step_mode
    qtbot.waitUntil(lambda: bool(live.last_terms), timeout=WAIT_MS)
    pump()
    assert not live.terms.visibleRegion().isEmpty() and live.terms.rowCount() >= 2
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        dash.training.stop()
        live.continue_action.trigger()


def test_a_second_train_in_the_training_view_keeps_the_plots_wide(qtbot, mlp_window):
    win, dash = mlp_window
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        win.train_action.trigger()
    assert dash.view_mode.active and dash.view_mode.settings_folded()
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        win.train_action.trigger()
        assert win.statusBar().currentMessage() == ""  # not the last run's "Training finished."
    assert dash.view_mode.settings_folded()
