"""`TrainingPanel`: settings, Train / Pause / Resume / Stop / Reset weights, progress, live plots."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
    QSpinBox, QSplitter, QVBoxLayout, QWidget,
)

from app.data.dataset import DataError
from app.plots.live_plots import LivePlotGrid
from app.training.job import prepare
from app.training.runs import RunStore
from app.training.settings import LOSSES, TrainingSettings, available_metrics
from app.training.weights import reinitialize, restore, snapshot
from app.training.worker import TrainingRunner


REDRAW_MS = 100


def _format_seconds(seconds) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


class TrainingPanel(QWidget):
    """The Training tab. Give it a model with `set_model` and data with `set_dataset`.

    `model_provider()` (optional) returns (model, graph_version) at each Train press, which
    is how the document's current graph is compiled into a fresh engine model.
    """

    runFinished = Signal(dict)
    weightsChanged = Signal()  # after a run, Reset weights or Roll back: the document may store them
    insightReady = Signal(dict)
    boundaryReady = Signal(object)

    def __init__(self, store: RunStore | None = None, parent=None):
        super().__init__(parent)
        self.store = store or RunStore()
        self.model = None
        self.graph_version = None
        self.model_provider = None
        self.dataset = None
        self.run = None
        self.last_status = None
        self._nan_info = None
        self._rollback_weights = None
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
            item.setToolTip(f"CUDA is not available: {reason}")
            self.device.setToolTip(f"CUDA is not available: {reason}")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.validation = QDoubleSpinBox()
        self.validation.setRange(0.0, 0.9)
        self.validation.setSingleStep(0.05)
        self.validation.setValue(0.2)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Loss", self.loss)
        form.addRow("Metrics", metrics_row)
        form.addRow("Device", self.device)
        self.device_note = QLabel("" if reason is None else f"CUDA unavailable: {reason}")
        self.device_note.setWordWrap(True)
        form.addRow("", self.device_note)
        form.addRow("Random seed", self.seed)
        form.addRow("Validation", self.validation)

        self.train_button = QPushButton("Train")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset weights")
        self.rollback_button = QPushButton("Roll back")
        self.rollback_button.setVisible(False)
        self.export_png_button = QPushButton("Export PNG…")
        buttons = QHBoxLayout()
        for b in (self.train_button, self.pause_button, self.resume_button, self.stop_button, self.reset_button):
            buttons.addWidget(b)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.status = QLabel("Ready.")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(form)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.message)
        left_layout.addWidget(self.rollback_button)
        left_layout.addWidget(self.export_png_button)
        left_layout.addStretch(1)
        self.plots = LivePlotGrid(self.store)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.plots)
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
            f"Paused before epoch {info['epoch'] + 1}, batch {info['batch'] + 1}."))
        self.runner.nanDetected.connect(self._on_nan)
        self.runner.insight.connect(self.insightReady)
        self.runner.done.connect(self._on_done)

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
        self.weightsChanged.emit()
        if self.model_provider is not None:
            try:
                self.model, self.graph_version = self.model_provider()
            except Exception as exc:
                self._show_message(f"Cannot train: {exc}", error=True)
                return False
        if self.model is None:
            self._show_message("No model to train.", error=True)
            return False
        if self.dataset is None:
            self._show_message("Choose a data set in the Data tab first.", error=True)
            return False
        settings = self.settings()
        try:
            prepared = prepare(self.model, self.dataset, settings)
        except (DataError, ValueError) as exc:
            self._show_message(str(exc), error=True)
            self.status.setText("Not started.")
            return False
        self._show_message("")
        self._rollback_weights = snapshot(self.model)
        self.run = self.store.new_run(settings.to_dict(), self.graph_version, self.dataset.name)
        self.plots.set_current(self.run)
        for quantity in self.model.metrics_names:  # create the plots now, not mid-run
            self.plots.update_quantity(self.run, quantity)
        self.progress.setValue(0)
        self.status.setText("Starting…")
        single_input = not isinstance(prepared[0][0], dict)
        boundary = (single_input and self.dataset.kind == "points2d" and self.dataset.task == "classification"
                    and self.dataset.x.ndim == 2 and self.dataset.x.shape[1] == 2)
        self.runner.start(self.model, self.dataset, settings, prepared, boundary)
        self._update_buttons()
        return True

    def pause(self):
        self.runner.pause()
        self._update_buttons()

    def resume(self):
        self.runner.resume()
        self.status.setText("Resumed.")
        self._update_buttons()

    def stop(self):
        self.runner.stop()
        self.status.setText("Stopping after this batch…")

    def reset_weights(self):
        if self.runner.running or self.model is None:
            return
        reinitialize(self.model, int(self.seed.value()))
        self._show_message("Weights re-initialised.")
        self.weightsChanged.emit()

    def rollback(self):
        """Restore the last finite epoch's weights after a NaN stop."""
        if self.runner.running or self._nan_info is None or self._rollback_weights is None:
            return
        restore(self.model, self._rollback_weights)
        epoch = self._nan_info.get("rollback_epoch")
        self._show_message("Rolled back to the weights " + (f"after epoch {epoch + 1}." if epoch is not None
                                                            else "from before training."))
        self.rollback_button.setVisible(False)
        self._nan_info = None
        self.weightsChanged.emit()

    def _export_png_dialog(self):
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, "Export plots", "plots.png", "PNG image (*.png)")
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

    # -- worker reports ---------------------------------------------------------------------
    def _on_began(self, info):
        self._epochs = info.get("epochs") or 1
        self._steps = info.get("steps") or 0

    def _on_batches(self, reports):
        run = self.run
        for report in reports:
            run.add_batch(report["x"], report["values"])
        last = reports[-1]
        steps = last["steps"] or 1
        done = last["epoch"] * steps + last["batch"] + 1
        self.progress.setValue(int(100 * done / max(self._epochs * steps, 1)))
        self.status.setText(f"epoch {last['epoch'] + 1}/{self._epochs} · batch {last['batch'] + 1}/{steps} · "
                            f"ETA {_format_seconds(last['eta_s'])} · {last['samples_per_s']:.0f} samples/s")
        if not self._redraw.isActive():
            self._redraw.start()

    def _redraw_now(self):
        """Queue every quantity of the current run; plots are redrawn one per event-loop turn."""
        if self.run is None:
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
        control = self.runner.control if self.runner.running else None
        if control is None:
            self.plots.update_quantity(self.run, quantity)
            self.plots.repaint_quantity(quantity)
        else:
            with control.gui_turn():
                self.plots.update_quantity(self.run, quantity)
                self.plots.repaint_quantity(quantity)
        if self._redraw_queue:
            self._redraw_step.start()

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
        self._redraw.stop()
        self.flush_plots()
        status = info["status"]
        self.last_status = status
        if self.run is not None:
            self.run.status = status
        if status == "nan":
            callback = self.runner.worker.callback if self.runner.worker else None
            if callback is not None and callback.good_weights is not None:
                self._rollback_weights = callback.good_weights
            self._show_message(info["message"], error=True)
            self.rollback_button.setVisible(True)
        elif status == "failed":
            self._show_message(info["message"], error=True)
        elif status == "stopped":
            self._show_message("Stopped.")
        else:
            self.progress.setValue(100)
            final = self.run.final if self.run else {}
            self._show_message("Finished: " + ", ".join(f"{k} {v:.4g}" for k, v in final.items()))
        self.status.setText({"finished": "Done.", "stopped": "Stopped.", "nan": "Stopped on a non-finite loss.",
                             "failed": "Failed."}[status])
        self._update_buttons()
        if status in ("finished", "stopped"):
            self.weightsChanged.emit()
        self.runFinished.emit(info)
