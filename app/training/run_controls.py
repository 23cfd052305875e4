"""The toolbar's ▶ Train button and the status bar while a run trains.

`RunControls` makes the toolbar's Train action start a run, then Pause it, then Resume it
(■ Stop stays next to it), with a button width that does not change with the text.
`RunStatus` shows the run's progress in the status bar: a progress bar, epoch, batch, ETA and
samples/s, from the batch reports the training process already sends.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar

from app.panels.stable_toolbar import fix_width
from app.panels.status_bar import ElidedLabel
from app.training.i18n import tr_dash

IDLE, RUNNING, PAUSED = "idle", "running", "paused"
# U+23F8 (the pause symbol) is missing from common Linux fonts (DejaVu, Noto Sans): two heavy bars are not
PAUSE_GLYPH = "\u275a\u275a"


def format_eta(seconds) -> str:
    """0:42, 12:05, 1:02:03 ('?' when unknown)."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class RunControls(QObject):
    """Drives `window.train_action` for the dashboard's TrainingPanel `panel`.

    `started` fires after a Train press has started a run; `refused` after a Train press could
    not start one (the Training tab shows why).
    """

    started = Signal()
    refused = Signal()

    def __init__(self, window, panel, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.panel = panel
        self.texts = {IDLE: "▶ " + tr_dash("Train"), RUNNING: PAUSE_GLYPH + " " + tr_dash("Pause"),
                      PAUSED: "▶ " + tr_dash("Resume")}
        self.tips = {IDLE: tr_dash("Train the model on the chosen data set"),
                     RUNNING: tr_dash("Pause the run after the current batch"),
                     PAUSED: tr_dash("Continue the paused run")}
        action = window.train_action
        action.triggered.connect(self.press)
        action.setEnabled(True)
        runner = panel.runner
        runner.began.connect(lambda _info: self.refresh())
        runner.paused.connect(lambda _info: self.refresh())
        panel.runFinished.connect(lambda _info: self.refresh())
        for button in (panel.train_button, panel.pause_button, panel.resume_button, panel.stop_button):
            button.clicked.connect(self.refresh)
        panel.train_button.clicked.connect(self._panel_train_pressed)
        window.appearance_changed.connect(lambda *_: self.fit_width())
        self.fit_width()
        self.refresh()

    def state(self) -> str:
        runner = self.panel.runner
        if not runner.running:
            return IDLE
        return PAUSED if runner.control is not None and runner.control.paused else RUNNING

    def press(self) -> None:
        """Toolbar button: Train when idle, Pause while running, Resume while paused."""
        state = self.state()
        if state == IDLE:
            if self.panel.train():
                self.started.emit()
            else:
                self.refused.emit()
        elif state == RUNNING:
            self.panel.pause()
        else:
            self.panel.resume()
        self.refresh()

    def _panel_train_pressed(self) -> None:
        (self.started if self.panel.runner.running else self.refused).emit()

    def refresh(self) -> None:
        """Show the text, tooltip and Stop state of the current run state."""
        state = self.state()
        action = self.window.train_action
        action.setText(self.texts[state])
        action.setToolTip(self.tips[state])
        action.setEnabled(True)
        self.window.stop_action.setEnabled(state != IDLE)

    def fit_width(self) -> int:
        """Fix the button's width to its widest text (again after a font change)."""
        return fix_width(self.window.toolbar, self.window.train_action, self.texts.values())


class RunStatus(QObject):
    """Progress, epoch, batch, ETA and samples/s of the running training, in the status bar."""

    def __init__(self, window, panel, parent=None):
        super().__init__(parent or window)
        self.panel = panel
        self.window = window
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(140)
        self.progress.setMinimumWidth(40)  # shrinks, with the labels below, in a narrow window
        self.progress.setTextVisible(False)
        self.epoch_label = ElidedLabel()
        self.batch_label = ElidedLabel()
        self.eta_label = ElidedLabel()
        self.rate_label = ElidedLabel()
        self.widgets = (self.progress, self.epoch_label, self.batch_label, self.eta_label, self.rate_label)
        bar = window.statusBar()
        for index, widget in enumerate(self.widgets):  # permanent: a status message never hides them
            widget.setObjectName("trainingStatus")
            bar.insertPermanentWidget(index, widget)
        self._initial_epoch = 0
        self._epochs = 1
        panel.runner.began.connect(self._began)
        panel.runner.batches.connect(self._batches)
        panel.runner.paused.connect(lambda _info: self.eta_label.setText(tr_dash("paused")))
        panel.runFinished.connect(self._finished)
        self.set_visible(False)

    def starting(self) -> None:
        """A Train press started a run: say so at once (its first batch may be a while: kernels compile)."""
        self.window.statusBar().clearMessage()  # "Training finished." of an earlier run
        self.progress.setValue(0)
        self.epoch_label.setText(tr_dash("starting…"))
        self.batch_label.setText("")
        self.eta_label.setText("")
        self.rate_label.setText("")
        self.set_visible(True)
        for widget in (self.batch_label, self.eta_label, self.rate_label):
            widget.setVisible(False)

    def set_visible(self, on: bool) -> None:
        for widget in self.widgets:
            widget.setVisible(on)

    def fields(self) -> dict[str, str]:
        """The texts shown: epoch, batch, eta, rate (for tests and tools)."""
        return {"epoch": self.epoch_label.text(), "batch": self.batch_label.text(), "eta": self.eta_label.text(),
                "rate": self.rate_label.text()}

    def _began(self, info) -> None:
        run = self.panel.run
        epochs = int((run.settings.get("epochs") if run is not None else None) or info.get("epochs") or 1)
        self._epochs = max(epochs, 1)
        self._initial_epoch = max(int(info.get("epochs") or epochs) - epochs, 0)
        self.progress.setValue(0)
        self.epoch_label.setText(tr_dash("epoch {}/{}").format(1, self._epochs))
        self.batch_label.setText(tr_dash("batch {}/{}").format(0, info.get("steps") or "?"))
        self.eta_label.setText(tr_dash("ETA {}").format("?"))
        self.rate_label.setText(tr_dash("{} samples/s").format("–"))
        self.set_visible(True)

    def _batches(self, reports) -> None:
        last = reports[-1]
        steps = last.get("steps") or 1
        epoch = last["epoch"] - self._initial_epoch
        done = epoch * steps + last["batch"] + 1
        self.progress.setValue(min(100, int(100 * done / max(self._epochs * steps, 1))))
        self.epoch_label.setText(tr_dash("epoch {}/{}").format(epoch + 1, self._epochs))
        self.batch_label.setText(tr_dash("batch {}/{}").format(last["batch"] + 1, steps))
        self.eta_label.setText(tr_dash("ETA {}").format(format_eta(last.get("eta_s"))))
        rate = last.get("samples_per_s")
        self.rate_label.setText(tr_dash("{} samples/s").format("–" if rate is None else f"{rate:,.0f}"))
        self.set_visible(True)

    def _finished(self, info) -> None:
        self.set_visible(False)
