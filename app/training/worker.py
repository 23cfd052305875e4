"""Training off the GUI thread: a QObject worker in a QThread, reporting through signals."""

from __future__ import annotations

import sys
import time
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.training.job import decision_grid, run_training
from app.training.live import TrainingControl

FLUSH_SECONDS = 0.03
# While a run trains in a thread of this process, hand the GIL over this often (CPython's
# default is 5 ms): every Python step of a redraw that waits for the GIL would otherwise wait
# up to 5 ms, and a pyqtgraph repaint takes hundreds of such steps. None keeps the default.
GUI_SWITCH_INTERVAL_S: float | None = 0.0005


class TrainingWorker(QObject):
    """Runs `run_training` in its thread; batch reports are batched to at most ~30 per second."""

    began = Signal(dict)
    batches = Signal(list)
    epochEnded = Signal(dict)
    paused = Signal(dict)
    nanDetected = Signal(dict)
    insight = Signal(dict)
    done = Signal(dict)

    def __init__(self, model, dataset, settings, prepared, control: TrainingControl, boundary: bool):
        super().__init__()
        self.model, self.dataset, self.settings, self.prepared = model, dataset, settings, prepared
        self.control = control
        self.boundary = boundary
        self.callback = None
        self.batches_done = 0
        self._pending: list[dict] = []
        self._last_flush = 0.0

    def _flush(self):
        if self._pending:
            pending, self._pending = self._pending, []
            self.batches.emit(pending)
        self._last_flush = time.perf_counter()

    def _sink(self, kind, payload):
        if kind == "batch":
            self.batches_done += 1
            self._pending.append(payload)
            if time.perf_counter() - self._last_flush >= FLUSH_SECONDS:
                self._flush()
            return
        self._flush()
        {"begin": self.began, "epoch": self.epochEnded, "paused": self.paused, "nan": self.nanDetected}[kind].emit(payload)

    def _boundary_hook(self, model, epoch):
        if not self.boundary:
            return None
        xs, ys, cls, conf = decision_grid(model, self.dataset)
        return {"boundary": (xs, ys, cls, conf)}

    @Slot()
    def run(self):
        status, message = "finished", ""
        try:
            self.callback = run_training(self.model, self.dataset, self.settings, self.control, self._sink,
                                         self._boundary_hook, self.prepared)
            if self.callback.nan_info is not None:
                status, message = "nan", self.callback.nan_info["message"]
            elif self.callback.stopped_by_user:
                status, message = "stopped", "Training stopped."
            else:
                self._emit_insight()
        except Exception as exc:  # reported to the user; the GUI stays alive
            status, message = "failed", f"Training failed: {type(exc).__name__}: {exc}"
            traceback.print_exc()
        self._flush()
        self.done.emit({"status": status, "message": message,
                        "batches_done": self.batches_done})

    def _emit_insight(self):
        from app.plots.insight import confusion_matrix, worst_samples

        _, val = self.dataset.split(self.settings.validation_fraction, seed=self.settings.seed)
        data = val if val is not None else self.dataset
        result = {"dataset": data}
        try:
            if data.task == "classification":
                result["confusion"] = confusion_matrix(self.model, data)
            result["worst"] = worst_samples(self.model, data, 12)
        except Exception as exc:  # e.g. a model whose output is not a class score
            result["error"] = f"{type(exc).__name__}: {exc}"
        self.insight.emit(result)


class TrainingRunner(QObject):
    """Starts a worker thread per run and forwards its signals; never blocks the GUI."""

    began = Signal(dict)
    batches = Signal(list)
    epochEnded = Signal(dict)
    paused = Signal(dict)
    nanDetected = Signal(dict)
    insight = Signal(dict)
    done = Signal(dict)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = None
        self.worker = None
        self.control = None
        self._saved_switch_interval = None

    @property
    def running(self) -> bool:
        return self.thread is not None

    def start(self, model, dataset, settings, prepared, boundary=False):
        if self.running:
            raise RuntimeError("a training run is already in progress")
        self.control = TrainingControl()
        self.thread = QThread()
        self.worker = TrainingWorker(model, dataset, settings, prepared, self.control, boundary)
        self.worker.moveToThread(self.thread)
        for name in ("began", "batches", "epochEnded", "paused", "nanDetected", "insight"):
            getattr(self.worker, name).connect(getattr(self, name))
        self.worker.done.connect(self._finished)
        self.thread.started.connect(self.worker.run)
        if GUI_SWITCH_INTERVAL_S is not None:
            self._saved_switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        self.thread.start()

    def _restore_switch_interval(self):
        if self._saved_switch_interval is not None:
            sys.setswitchinterval(self._saved_switch_interval)
            self._saved_switch_interval = None

    def batches_done(self) -> int:
        return self.worker.batches_done if self.worker else 0

    def pause(self):
        if self.control:
            self.control.pause()

    def resume(self):
        if self.control:
            self.control.resume()

    def stop(self):
        if self.control:
            self.control.stop()

    @Slot(dict)
    def _finished(self, info):
        thread, self.thread = self.thread, None
        thread.quit()
        thread.wait()
        self._restore_switch_interval()
        self.worker.deleteLater()
        thread.deleteLater()
        self.done.emit(info)

    def shutdown(self, timeout_ms=10000):
        """Stop and join the worker (window closing)."""
        if self.thread is not None:
            self.control.stop()
            self.thread.quit()
            self.thread.wait(timeout_ms)
        self._restore_switch_interval()
