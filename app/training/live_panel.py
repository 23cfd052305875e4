"""`LivePanel`: the Training tab's live-canvas toggles, step mode and this batch's loss terms.

Step: not training -> start a run that trains one batch and waits; training -> finish this
batch and wait (step mode); waiting -> train one more batch. Continue leaves step mode. The
table lists the last batch's terms (total, compiled loss, each add_loss, regularizers, each
add_metric and compiled metric), as `LiveCallback` reports them.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from app.training.i18n import tr_dash



def term_kind_text(kind: str) -> str:
    """The table's first column for a term kind (app.training.step_terms), translated."""
    return {"loss": tr_dash("total loss"), "compiled loss": tr_dash("compiled loss"), "add_loss": "add_loss",
            "regularizers": tr_dash("regularizers"), "add_metric": "add_metric",
            "metric": tr_dash("metric")}.get(kind, kind)


def _format(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "—" if math.isnan(number) else f"{number:.5g}"


class LivePanel(QWidget):
    """Canvas toggles, step status and the terms table; its `step_button` and `continue_button`
    sit next to Train / Pause in the Training tab's button row.

    `spec_source(model)` (set by the live canvas) gives the probe spec of a run's model;
    without it a plain model is probed layer by layer (app.training.probe.model_spec).
    """

    activationsToggled = Signal(bool)
    gradientsToggled = Signal(bool)

    def __init__(self, training, parent=None):
        super().__init__(parent)
        self.training = training
        self.runner = training.runner
        self.spec_source = None
        self._start_in_step_mode = False
        self.last_terms: list[dict] = []
        self.last_batches_done = 0
        self.activations_action = QAction(tr_dash("Show activations on canvas"), self)
        self.gradients_action = QAction(tr_dash("Show gradient flow"), self)
        self.activations_box = QCheckBox(tr_dash("Show activations on canvas"))
        self.gradients_box = QCheckBox(tr_dash("Show gradient flow"))
        self.activations_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.gradients_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        # Step and Continue keep a debugger's keys (step over, resume)
        self.step_action = QAction(tr_dash("Step one batch"), self)
        self.step_action.setShortcut(QKeySequence("F10"))
        self.step_action.triggered.connect(self.step)
        self.continue_action = QAction(tr_dash("Continue training"), self)
        self.continue_action.setShortcut(QKeySequence("F8"))
        self.continue_action.triggered.connect(self.continue_run)
        for action, box, signal in ((self.activations_action, self.activations_box, self.activationsToggled),
                                    (self.gradients_action, self.gradients_box, self.gradientsToggled)):
            action.setCheckable(True)
            action.toggled.connect(box.setChecked)
            box.toggled.connect(action.setChecked)
            action.toggled.connect(signal)
            action.toggled.connect(lambda _on: self.runner.set_live(self.live_wanted()))
        self.step_button = QPushButton(tr_dash("Step"))
        self.step_button.setToolTip(tr_dash("Train one batch, then wait"))
        self.continue_button = QPushButton(tr_dash("Continue"))
        self.continue_button.setToolTip(tr_dash("Leave step mode and train on"))
        self.step_status = QLabel("")
        self.legend = QLabel("")
        self.legend.setObjectName("muted")
        self.legend.setWordWrap(True)
        self.terms = QTableWidget(0, 3)
        self.terms.setHorizontalHeaderLabels([tr_dash("Term"), tr_dash("Name"), tr_dash("Value")])
        self.terms.verticalHeader().setVisible(False)
        self.terms.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.terms.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.terms.horizontalHeader().setStretchLastSection(True)
        self.terms.setMinimumHeight(90)

        toggles = QVBoxLayout()
        toggles.addWidget(self.activations_box)
        toggles.addWidget(self.gradients_box)
        # step_button and continue_button go in the Training tab's button row (TrainingPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toggles)
        layout.addWidget(self.legend)
        layout.addWidget(self.step_status)
        layout.addWidget(self.terms)

        self.step_button.clicked.connect(self.step)
        self.continue_button.clicked.connect(self.continue_run)
        self.runner.options_source = self.options
        self.runner.batches.connect(self._on_batches)
        self.runner.probe.connect(self.on_probe)
        for signal in (self.runner.began, self.runner.paused, self.runner.done):
            signal.connect(lambda *_args: self.update_buttons())
        self.runner.began.connect(lambda _info: self.step_status.setText(""))
        self.update_buttons()

    # -- what a run is started with --------------------------------------------------------
    def live_wanted(self) -> bool:
        """Whether the canvas shows anything that needs probes."""
        return self.activations_action.isChecked() or self.gradients_action.isChecked()

    def options(self, model) -> dict:
        """The runner's options for a run of `model`: probe spec, step mode, live (see TrainingRunner)."""
        from app.training.probe import model_spec

        step_mode, self._start_in_step_mode = self._start_in_step_mode, False
        try:
            spec = self.spec_source(model) if self.spec_source is not None else model_spec(model)
        except Exception:  # a probe spec is a nicety: the run goes on without canvas summaries
            spec = None
        return {"probe": spec, "step_mode": step_mode, "live": self.live_wanted()}

    # -- actions ------------------------------------------------------------------------------
    def step(self) -> bool:
        """Train one batch (starting a run in step mode when none is running)."""
        if not self.runner.running:
            self._start_in_step_mode = True
            self.training.train_button.click()  # as the Train button does: the training view opens
            started = self.runner.running
            self._start_in_step_mode = False
            self.update_buttons()
            return bool(started)
        if not self.runner.step_mode:
            self.runner.set_step_mode(True)
            if self.runner.control.paused:  # paused already: this Step trains one batch
                self.runner.step()
            else:
                self.training.status.setText(tr_dash("Step mode: waiting after this batch."))
        else:
            self.runner.step()
        self.update_buttons()
        return True

    def continue_run(self) -> None:
        """Leave step mode and train on (also lifts a pause)."""
        self.runner.set_step_mode(False)
        if self.runner.running and self.runner.control.paused:
            self.training.resume()
        self.update_buttons()

    def update_buttons(self) -> None:
        running = self.runner.running
        can_step = running or self.training.train_button.isEnabled()
        stepping = running and self.runner.step_mode
        for widget, enabled in ((self.step_button, can_step), (self.step_action, can_step),
                                (self.continue_button, stepping), (self.continue_action, stepping)):
            widget.setEnabled(enabled)

    def show_legend(self, gradient_range) -> None:
        """The gradient scale of the wires shown (thin blue = lowest, thick orange = highest)."""
        if gradient_range is None:
            self.legend.setText("")
            return
        low, high = gradient_range
        self.legend.setText(tr_dash("Gradient flow: thin blue {0} … thick orange {1} (log scale)").format(
            f"{low:.2g}", f"{high:.2g}"))

    def on_probe(self, payload: dict) -> None:
        """A probe that failed says why here (the run goes on without canvas summaries)."""
        if "error" in payload:
            self.legend.setText(tr_dash("Live canvas stopped: {}").format(payload["error"]))

    # -- reports ------------------------------------------------------------------------------
    def _on_batches(self, reports) -> None:
        last = reports[-1]
        self.last_batches_done = last.get("batches_done", self.last_batches_done)
        terms = last.get("terms") or []
        if terms:
            self.show_terms(terms)
        if self.runner.step_mode:
            self.step_status.setText(tr_dash("Batch {0} of epoch {1} done.").format(last["batch"] + 1,
                                                                                 last["epoch"] + 1))
        self.update_buttons()

    def show_terms(self, terms: list[dict]) -> None:
        """Fill the table with one batch's terms."""
        self.last_terms = list(terms)
        self.terms.setRowCount(len(terms))
        for row, term in enumerate(terms):
            for column, text in enumerate((term_kind_text(term["kind"]), term["name"],
                                           _format(term["value"]))):
                item = self.terms.item(row, column)
                if item is None:
                    self.terms.setItem(row, column, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
