"""`TrainingPanel`: settings, Train / Pause / Resume / Stop / Reset weights, progress, live plots."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QScrollArea, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
    QSpinBox, QSplitter, QVBoxLayout, QWidget,
)

from app.data.dataset import DataError
from app.plots.insight import boundary_applies
from app.plots.live_plots import LivePlotGrid
from app.training.i18n import tr_dash
from app.training.job import prepare
from app.training.live_panel import LivePanel
from app.training.runs import RunStore
from app.training.settings import LOSSES, TrainingSettings, available_metrics
from app.training.weights import reinitialize, restore, snapshot
from app.training.worker import TrainingRunner


REDRAW_MS = 250
MIN_TAB_HEIGHT = 120  # a dashboard tab's scroll areas never ask for more height than this
SETTINGS_EDIT_MS = 400
STORED_FIELDS = ("optimizer", "learning_rate", "batch_size", "epochs", "loss", "metrics", "seed",
                 "validation_fraction")  # what a project's settings["training"] keeps
BOUNDARY_EVERY_BATCHES = 10
COMPILE_FIELDS = ("optimizer", "learning_rate", "loss", "metrics")  # a change recompiles (new optimizer)


def scroll_area(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless scroll area that resizes it: it scrolls only when the tab is
    smaller than the widget's minimum size."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setMinimumHeight(MIN_TAB_HEIGHT)
    return area


def _format_seconds(seconds) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else tr_dash("{} s").format(seconds)


class TrainingPanel(QWidget):
    """The Training tab. Give it a model with `set_model` and data with `set_dataset`.

    `model_provider()` (optional) returns (model, graph_version) at each Train press, which
    is how the document's current graph is compiled into a fresh engine model.
    """

    runFinished = Signal(dict)
    weightsChanged = Signal()  # after a run, Reset weights or Roll back: the document may store them
    insightReady = Signal(dict)
    boundaryReady = Signal(object)
    settingsEdited = Signal(dict)  # the user changed a setting: `stored_settings()`, to keep in the document

    def __init__(self, store: RunStore | None = None, parent=None):
        super().__init__(parent)
        self.store = store or RunStore()
        self.model = None
        self.graph_version = None
        self.model_provider = None
        self.document_source = None  # () -> (.strata bytes, trusted) of the provided model's document
        self.dataset = None
        self.run = None
        self.last_status = None
        self.last_info = None  # the `done` info of the last run
        self._nan_info = None
        self._rollback_weights = None
        self._continue_key = None     # what the last good run trained: model, graph, compile settings
        self._epochs_done = 0         # epochs the current weights have been trained (continued runs)
        self.runner = TrainingRunner(self)
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self._redraw_now)
        self._redraw_queue: list[str] = []
        self._redraw_step = QTimer(self)
        self._redraw_step.setSingleShot(True)
        self._redraw_step.setInterval(0)
        self._redraw_step.timeout.connect(self._redraw_one)
        self._applying_settings = False
        self._settings_edit = QTimer(self)  # coalesces typing in a spin box into one stored change
        self._settings_edit.setSingleShot(True)
        self._settings_edit.setInterval(SETTINGS_EDIT_MS)
        self._settings_edit.timeout.connect(self._emit_settings_edited)
        self._build()
        self._connect()
        self._update_buttons()

    # -- layout ---------------------------------------------------------------------------
    def _build(self):
        from engine import optimizers
        from engine.backend.cuda import unavailable_reason

        form = QFormLayout()
        self.optimizer = QComboBox()
        self.optimizer.addItems(sorted(optimizers.ALIASES))
        self.optimizer.setCurrentText("adam")
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(6)
        self.learning_rate.setRange(1e-6, 1e6)
        self.learning_rate.setValue(0.01)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 65536)
        self.batch_size.setValue(32)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100000)
        self.epochs.setValue(20)
        self.loss = QComboBox()
        self.loss.addItems(LOSSES)
        self.metric_boxes = {}
        metrics_row = QGridLayout()
        for index, name in enumerate(available_metrics()):
            box = QCheckBox(name.replace("_", " "))
            box.setChecked(name == "accuracy")
            self.metric_boxes[name] = box
            metrics_row.addWidget(box, index // 2, index % 2)
        self.device = QComboBox()
        self.device.addItem("CPU", "cpu")
        self.device.addItem("CUDA", "cuda")
        reason = unavailable_reason()
        self.cuda_reason = reason
        if reason is not None:
            item = self.device.model().item(1)
            item.setEnabled(False)
            item.setToolTip(tr_dash("CUDA is not available: {}").format(reason))
            self.device.setToolTip(tr_dash("CUDA is not available: {}").format(reason))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.validation = QDoubleSpinBox()
        self.validation.setRange(0.0, 0.9)
        self.validation.setSingleStep(0.05)
        self.validation.setValue(0.2)
        form.addRow(tr_dash("Optimizer"), self.optimizer)
        form.addRow(tr_dash("Learning rate"), self.learning_rate)
        form.addRow(tr_dash("Batch size"), self.batch_size)
        form.addRow(tr_dash("Epochs"), self.epochs)
        form.addRow(tr_dash("Loss"), self.loss)
        form.addRow(tr_dash("Metrics"), metrics_row)
        form.addRow(tr_dash("Device"), self.device)
        self.device_note = QLabel("" if reason is None else tr_dash("CUDA unavailable: {}").format(reason))
        self.device_note.setWordWrap(True)
        form.addRow("", self.device_note)
        form.addRow(tr_dash("Random seed"), self.seed)
        form.addRow(tr_dash("Validation"), self.validation)

        self.train_button = QPushButton(tr_dash("Train"))
        self.pause_button = QPushButton(tr_dash("Pause"))
        self.resume_button = QPushButton(tr_dash("Resume"))
        self.stop_button = QPushButton(tr_dash("Stop"))
        self.reset_button = QPushButton(tr_dash("Reset weights"))
        self.rollback_button = QPushButton(tr_dash("Roll back"))
        self.rollback_button.setVisible(False)
        self.export_png_button = QPushButton(tr_dash("Export PNG…"))
        self.live_panel = LivePanel(self)  # canvas toggles, Step / Continue, this batch's loss terms
        # two rows keep the tab narrow enough to dock beside the canvas: run controls, then stepping
        buttons = QGridLayout()
        rows = ((self.train_button, self.pause_button, self.resume_button, self.stop_button),
                (self.live_panel.step_button, self.live_panel.continue_button, self.reset_button))
        for row, row_buttons in enumerate(rows):
            for column, b in enumerate(row_buttons):
                buttons.addWidget(b, row, column)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.status = QLabel(tr_dash("Ready."))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(form)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.live_panel)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.message)
        left_layout.addWidget(self.rollback_button)
        left_layout.addWidget(self.export_png_button)
        left_layout.addStretch(1)
        # Settings and plots scroll inside the tab, so the bottom dock can stay short and the canvas keeps its room.
        settings_scroll = scroll_area(left)
        settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        settings_scroll.setMinimumWidth(left.sizeHint().width() + settings_scroll.verticalScrollBar().sizeHint().width())
        self.plots = LivePlotGrid(self.store)
        self.plots_scroll = scroll_area(self.plots)
        splitter = QSplitter()
        splitter.addWidget(settings_scroll)
        splitter.addWidget(self.plots_scroll)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)

    def _connect(self):
        self.train_button.clicked.connect(self.train)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)
        self.reset_button.clicked.connect(self.reset_weights)
        self.rollback_button.clicked.connect(self.rollback)
        self.export_png_button.clicked.connect(self._export_png_dialog)
        self.runner.began.connect(self._on_began)
        self.runner.batches.connect(self._on_batches)
        self.runner.epochEnded.connect(self._on_epoch)
        self.runner.paused.connect(lambda info: self.status.setText(
            tr_dash("Paused before epoch {}, batch {}.").format(info["epoch"] + 1, info["batch"] + 1)))
        self.runner.nanDetected.connect(self._on_nan)
        self.runner.boundary.connect(self.boundaryReady)
        self.runner.insight.connect(self.insightReady)
        self.runner.done.connect(self._on_done)
        for combo in (self.optimizer, self.loss):
            combo.currentIndexChanged.connect(self._setting_changed)
        for spin in (self.learning_rate, self.batch_size, self.epochs, self.seed, self.validation):
            spin.valueChanged.connect(self._setting_changed)
        for box in self.metric_boxes.values():
            box.toggled.connect(self._setting_changed)

    # -- project settings -------------------------------------------------------------------
    def apply_settings(self, values) -> list[str]:
        """Show a project's settings["training"] dict in the widgets (no `settingsEdited`).

        Missing keys keep the current value; "validation_split" is read as the validation
        fraction and a None loss as "auto". Returns a note per value that could not be shown.
        """
        problems = []
        if not isinstance(values, dict):
            return [] if values is None else [f"training settings: expected a dict, received {values!r}"]
        self._applying_settings = True
        try:
            if "optimizer" in values:
                index = self.optimizer.findText(str(values["optimizer"]).lower())
                if index >= 0:
                    self.optimizer.setCurrentIndex(index)
                else:
                    problems.append(f"optimizer: unknown {values['optimizer']!r}")
            if "loss" in values:
                loss = "auto" if values["loss"] is None else str(values["loss"])
                index = self.loss.findText(loss)
                if index < 0 and loss.startswith("none"):
                    index = self.loss.findText(LOSSES[-1])
                if index < 0:
                    from engine import losses

                    if loss in losses.ALIASES:
                        self.loss.addItem(loss)
                        index = self.loss.count() - 1
                if index >= 0:
                    self.loss.setCurrentIndex(index)
                else:
                    problems.append(f"loss: unknown {loss!r}")
            numbers = {"learning_rate": self.learning_rate, "batch_size": self.batch_size, "epochs": self.epochs,
                       "seed": self.seed}
            fraction = values.get("validation_fraction", values.get("validation_split"))
            if fraction is not None:
                numbers["validation_fraction"] = self.validation
            for name, spin in numbers.items():
                value = fraction if name == "validation_fraction" else values.get(name)
                if value is None:
                    continue
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    problems.append(f"{name}: expected a number, received {value!r}")
                    continue
                if not spin.minimum() <= number <= spin.maximum():
                    problems.append(f"{name}: {value!r} is outside [{spin.minimum()}, {spin.maximum()}]")
                    continue
                spin.setValue(int(number) if isinstance(spin, QSpinBox) else number)
            if "metrics" in values:
                chosen = values["metrics"] or []
                if isinstance(chosen, str):
                    chosen = [chosen]
                chosen = ["accuracy" if name == "acc" else name for name in chosen]
                unknown = [name for name in chosen if name not in self.metric_boxes]
                if unknown:
                    problems.append(f"metrics: unknown {unknown!r}")
                for name, box in self.metric_boxes.items():
                    box.setChecked(name in chosen)
        finally:
            self._applying_settings = False
        self._settings_edit.stop()
        return problems

    def stored_settings(self) -> dict:
        """The settings a project keeps (settings["training"]), as the widgets show them."""
        values = self.settings().to_dict()
        return {name: values[name] for name in STORED_FIELDS}

    def _setting_changed(self, *_args):
        if not self._applying_settings:
            self._settings_edit.start()

    def _emit_settings_edited(self):
        self._settings_edit.stop()
        self.settingsEdited.emit(self.stored_settings())

    def flush_settings(self) -> None:
        """Report a pending settings edit now (before a Train press, a save)."""
        if self._settings_edit.isActive():
            self._emit_settings_edited()

    # -- inputs ---------------------------------------------------------------------------
    def set_model(self, model, graph_version=None) -> None:
        """Train this engine model (not while a run is in progress)."""
        if self.runner.running:
            raise RuntimeError("cannot change the model while training")
        self.model, self.graph_version = model, graph_version
        self._update_buttons()

    def set_model_provider(self, provider) -> None:
        """`provider()` -> (model, graph_version), called at each Train press."""
        self.model_provider = provider
        self._update_buttons()

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self._update_buttons()

    def settings(self) -> TrainingSettings:
        return TrainingSettings(
            optimizer=self.optimizer.currentText(), learning_rate=float(self.learning_rate.value()),
            batch_size=int(self.batch_size.value()), epochs=int(self.epochs.value()), loss=self.loss.currentText(),
            metrics=[n for n, b in self.metric_boxes.items() if b.isChecked()], device=self.device.currentData(),
            seed=int(self.seed.value()), validation_fraction=float(self.validation.value()))

    # -- actions --------------------------------------------------------------------------
    def _show_message(self, text, error=False):
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)

    def train(self) -> bool:
        """Check everything, then start a run in the worker thread. False (with a message) if not."""
        if self.runner.running:
            return False
        self.rollback_button.setVisible(False)
        self._nan_info = None
        self.flush_settings()
        self.weightsChanged.emit()
        if self.model_provider is not None:
            try:
                self.model, self.graph_version = self.model_provider()
            except Exception as exc:
                self._show_message(tr_dash("Cannot train: {}").format(exc), error=True)
                return False
        if self.model is None:
            self._show_message(tr_dash("No model to train."), error=True)
            return False
        if self.dataset is None:
            self._show_message(tr_dash("Choose a data set in the Data tab first."), error=True)
            return False
        settings = self.settings()
        key = self.continue_key(settings)
        continuing = key == self._continue_key and self.runner.can_continue(self.model)
        try:
            prepared = prepare(self.model, self.dataset, settings, compile=not continuing)
        except (DataError, ValueError) as exc:
            self._show_message(str(exc), error=True)
            self.status.setText(tr_dash("Not started."))
            return False
        self._show_message(tr_dash("Continuing from the current weights and optimizer state.") if continuing else "")
        if not continuing:
            self._epochs_done = 0
        self._continue_key = None  # set again when this run ends well
        self._rollback_weights = snapshot(self.model)
        previous = self.run
        run_settings = settings.to_dict()
        if continuing and previous is not None:
            run_settings["continued_from"] = previous.name
        self.run = self.store.new_run(run_settings, self.graph_version, self.dataset.name)
        self.plots.set_current(self.run)
        self.plots.set_placeholder(tr_dash("Starting the run… its loss and metrics appear here after the first "
                                           "batch. The first run after installing compiles the numeric kernels "
                                           "first, which can take a minute."))
        self.progress.setValue(0)
        self.status.setText(tr_dash("Starting…"))
        single_input = not isinstance(prepared[0][0], dict)
        boundary = single_input and boundary_applies(self.dataset)
        self._run_key = key
        self.runner.start(self.model, self.dataset, settings, prepared, boundary, continue_run=continuing,
                          initial_epoch=self._epochs_done, boundary_every=BOUNDARY_EVERY_BATCHES,
                          document=self.document_source)
        self._update_buttons()
        return True

    def continue_key(self, settings: TrainingSettings) -> tuple:
        """What must stay the same for Train to continue: model object, graph version, compile settings, task."""
        values = settings.to_dict()
        return (ModelIdentity(self.model), self.graph_version, self.dataset.task if self.dataset is not None else None,
                tuple(repr(values[name]) for name in COMPILE_FIELDS))

    def forget_optimizer_state(self) -> None:
        """The next Train starts a fresh optimizer (weights were changed from outside)."""
        self._continue_key = None
        self._epochs_done = 0

    def pause(self):
        self.runner.pause()
        self._update_buttons()

    def resume(self):
        self.runner.resume()
        self.status.setText(tr_dash("Resumed."))
        self._update_buttons()

    def stop(self):
        self.runner.stop()
        self.status.setText(tr_dash("Stopping after this batch…"))

    def reset_weights(self):
        if self.runner.running or self.model is None:
            return
        reinitialize(self.model, int(self.seed.value()))
        self.forget_optimizer_state()
        self._show_message(tr_dash("Weights re-initialised."))
        self.weightsChanged.emit()

    def rollback(self):
        """Restore the last finite epoch's weights after a NaN stop."""
        if self.runner.running or self._nan_info is None or self._rollback_weights is None:
            return
        restore(self.model, self._rollback_weights)
        self.forget_optimizer_state()
        epoch = self._nan_info.get("rollback_epoch")
        self._show_message(tr_dash("Rolled back to the weights after epoch {}.").format(epoch + 1) if epoch is not None
                           else tr_dash("Rolled back to the weights from before training."))
        self.rollback_button.setVisible(False)
        self._nan_info = None
        self.weightsChanged.emit()

    def _export_png_dialog(self):
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, tr_dash("Export plots"), "plots.png", tr_dash("PNG image (*.png)"))
        if path:
            try:
                self.plots.export_png(path)
            except (OSError, ValueError) as exc:
                self._show_message(str(exc), error=True)

    def _update_buttons(self):
        running = self.runner.running
        paused = running and self.runner.control.paused
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running and not paused)
        self.resume_button.setEnabled(running and paused)
        self.stop_button.setEnabled(running)
        self.reset_button.setEnabled(not running and self.model is not None)
        self.live_panel.update_buttons()

    # -- worker reports ---------------------------------------------------------------------
    def _on_began(self, info):
        self._epochs = (info.get("epochs") or 1) - self._epochs_done
        self._steps = info.get("steps") or 0

    def _on_batches(self, reports):
        run = self.run
        for report in reports:
            run.add_batch(report["x"], report["values"])
        last = reports[-1]
        steps = last["steps"] or 1
        done = (last["epoch"] - self._epochs_done) * steps + last["batch"] + 1
        self.progress.setValue(int(100 * done / max(self._epochs * steps, 1)))
        self.status.setText(tr_dash("epoch {}/{} · batch {}/{} · ETA {} · {} samples/s").format(
            last["epoch"] + 1 - self._epochs_done, self._epochs, last["batch"] + 1, steps,
            _format_seconds(last["eta_s"]), f"{last['samples_per_s']:.0f}"))
        if not self._redraw.isActive():
            self._redraw.start()

    def _redraw_now(self):
        """Queue every quantity of the current run; plots are redrawn one per event-loop turn.

        Nothing is drawn while the plots are hidden (another tab in front); showing them redraws.
        """
        if self.run is None or not self.plots.isVisible():
            return
        for quantity in self.run.quantities():
            if quantity not in self._redraw_queue:
                self._redraw_queue.append(quantity)
        if len(self._redraw_queue) and not self._redraw_step.isActive():
            self._redraw_step.start()

    def _redraw_one(self):
        if not self._redraw_queue or self.run is None:
            self._redraw_queue.clear()
            return
        quantity = self._redraw_queue.pop(0)
        control = self.runner.control if self.runner.running and not self.runner.in_process else None
        if control is None:
            self.plots.update_quantity(self.run, quantity)
            self.plots.repaint_quantity(quantity)
        else:
            with control.gui_turn():
                self.plots.update_quantity(self.run, quantity)
                self.plots.repaint_quantity(quantity)
        if self._redraw_queue:
            self._redraw_step.start()

    def showEvent(self, event):
        super().showEvent(event)
        if self.runner.running:
            self._redraw_now()

    def flush_plots(self):
        """Draw everything pending right away (end of a run, tests, export)."""
        self._redraw_step.stop()
        self._redraw_queue.clear()
        if self.run is not None:
            self.plots.update_run(self.run)

    def _on_epoch(self, info):
        self.run.add_epoch(info["epoch"], info["values"])
        self._redraw_now()
        extra = info.get("extra") or {}
        if "boundary" in extra:
            self.boundaryReady.emit(extra["boundary"])

    def _on_nan(self, info):
        self._nan_info = info

    def _on_done(self, info):
        self.last_info = info
        self._redraw.stop()
        self.flush_plots()
        status = info["status"]
        self.last_status = status
        if self.run is not None:
            self.run.status = status
        if status == "nan":
            if info.get("good_weights") is not None:
                self._rollback_weights = info["good_weights"]
            self._nan_info = info.get("nan") or self._nan_info or {}
            self._show_message(nan_message(self._nan_info), error=True)
            self.rollback_button.setVisible(True)
        elif status == "failed":
            self._show_message(tr_dash("Training failed: {}").format(info["message"].removeprefix("Training failed: ")),
                               error=True)
        elif status == "stopped":
            self._show_message(tr_dash("Stopped."))
        else:
            self.progress.setValue(100)
            final = self.run.final if self.run else {}
            self._show_message(tr_dash("Finished: {}").format(", ".join(f"{k} {v:.4g}" for k, v in final.items())))
        self.status.setText({"finished": tr_dash("Done."), "stopped": tr_dash("Stopped."),
                             "nan": tr_dash("Stopped on a non-finite loss."), "failed": tr_dash("Failed.")}[status])
        if status in ("finished", "stopped"):
            self._continue_key = self._run_key
            epochs = self.run.epoch_values.get("loss") if self.run is not None else None
            self._epochs_done = int(epochs[-1][0]) if epochs else self._epochs_done
        self._update_buttons()
        if status in ("finished", "stopped"):
            self.weightsChanged.emit()
        self.runFinished.emit(info)


class ModelIdentity:
    """Compares equal only to the same model object (a continue key must not match a new model)."""

    def __init__(self, model):
        self.model = model

    def __eq__(self, other):
        return isinstance(other, ModelIdentity) and other.model is self.model

    def __hash__(self):
        return id(self.model)


def nan_message(info: dict) -> str:
    """The NaN stop message in the user's language, from the fields `LiveCallback` reports."""
    where = tr_dash("epoch {}, batch {}").format(info.get("epoch", 0) + 1, info.get("batch", 0) + 1)
    rollback = info.get("rollback_epoch")
    ask = (tr_dash("Roll back to the weights after epoch {}?").format(rollback + 1) if rollback is not None
           else tr_dash("Roll back to the weights from before training?"))
    return (tr_dash("Training stopped: the loss became {0} at {1}, coming from {2}.").format(
        info.get("value"), where, info.get("term", "?")) + " " + ask + " " + tr_dash("A lower learning rate usually helps."))
