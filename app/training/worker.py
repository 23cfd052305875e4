"""Training off the GUI thread: a QObject worker in a QThread, reporting through signals."""

from __future__ import annotations

import pickle
import sys
import time
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.training.job import (BoundaryEvery, decision_grid, insight_of, optimizer_steps, outcome, probe_hook,
                              run_training)
from app.training.live import TrainingControl

FLUSH_SECONDS = 0.03
# While a run trains in a thread of this process, hand the GIL over this often (CPython's
# default is 5 ms): every Python step of a redraw that waits for the GIL would otherwise wait
# up to 5 ms, and a pyqtgraph repaint takes hundreds of such steps. None keeps the default.
GUI_SWITCH_INTERVAL_S: float | None = 0.0005
# Train in a child process (see app.training.child); False trains in a QThread of this process.
TRAIN_IN_PROCESS = True


class TrainingWorker(QObject):
    """Runs `run_training` in its thread; batch reports are batched to at most ~30 per second."""

    began = Signal(dict)
    batches = Signal(list)
    epochEnded = Signal(dict)
    paused = Signal(dict)
    nanDetected = Signal(dict)
    boundary = Signal(object)
    probe = Signal(dict)
    insight = Signal(dict)
    done = Signal(dict)

    def __init__(self, model, dataset, settings, prepared, control: TrainingControl, boundary: bool,
                 initial_epoch: int = 0, boundary_every: int = 10, probe_spec=None):
        super().__init__()
        self.probe_spec = probe_spec
        self.model, self.dataset, self.settings, self.prepared = model, dataset, settings, prepared
        self.control = control
        self.boundary_enabled = boundary
        self.initial_epoch = initial_epoch
        self.boundary_every = boundary_every
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
        {"begin": self.began, "epoch": self.epochEnded, "paused": self.paused, "nan": self.nanDetected,
         "boundary": self.boundary, "probe": self.probe, "insight": self.insight}[kind].emit(payload)

    def _boundary_hook(self, model, epoch):
        if not self.boundary_enabled:
            return None
        return {"boundary": decision_grid(model, self.dataset)}

    @Slot()
    def run(self):
        status, message = "finished", ""
        try:
            batch_hook = (BoundaryEvery(self.dataset, self._sink, self.boundary_every)
                          if self.boundary_enabled else None)
            probe = probe_hook(self.probe_spec, self.prepared, self._sink, self.control)
            self.callback = run_training(self.model, self.dataset, self.settings, self.control, self._sink,
                                         self._boundary_hook, self.prepared, batch_hook, self.initial_epoch, probe)
            status, message = outcome(self.callback)
            if status == "finished":
                self._sink("insight", insight_of(self.model, self.dataset, self.settings))
        except Exception as exc:  # reported to the user; the GUI stays alive
            status, message = "failed", f"Training failed: {type(exc).__name__}: {exc}"
            traceback.print_exc()
        self._flush()
        callback = self.callback
        self.done.emit({"status": status, "message": message, "batches_done": self.batches_done,
                        "good_weights": callback.good_weights if callback is not None else None,
                        "nan": callback.nan_info if callback is not None else None,
            "stop_seen_at": callback.stop_seen_at if callback is not None else None,
            "optimizer_steps": optimizer_steps(self.model)})


class TrainingRunner(QObject):
    """Runs one training at a time, in a child process or a worker thread; never blocks the GUI.

    The child process (default) keeps the GUI thread free of the training loop's Python work
    (they would share one GIL in threads). A model that cannot be pickled (a layer class
    defined inside a function, say) trains in a thread instead. Either way the same signals
    fire; `done`'s info has status, message, batches_done, good_weights (the last finite
    epoch's weights, for Roll back) and nan (the NaN report or None). After a run, the model
    given to `start` holds the trained weights.
    """

    began = Signal(dict)
    batches = Signal(list)
    epochEnded = Signal(dict)
    paused = Signal(dict)
    nanDetected = Signal(dict)
    boundary = Signal(object)
    probe = Signal(dict)
    insight = Signal(dict)
    done = Signal(dict)

    def __init__(self, parent=None, use_process: bool | None = None):
        super().__init__(parent)
        self.use_process = TRAIN_IN_PROCESS if use_process is None else use_process
        # (model) -> {"probe": spec or None, "step_mode": bool, "live": bool} for the next run;
        # set by the live canvas (app.training.live_canvas). None: no probe, no step mode.
        self.options_source = None
        self.thread = None
        self.worker = None
        self.control = None
        self.child = None          # ChildProcess, kept between runs
        self.in_process = False    # the current (or last) run's backend
        self._running = False
        self._model = None
        self._child_model = None   # the GUI-side model whose trained copy the child holds
        self._batches_done = 0
        self._saved_switch_interval = None

    @property
    def running(self) -> bool:
        return self._running

    def can_continue(self, model) -> bool:
        """Whether a continued run of `model` keeps its optimizer state (see `start`): the last
        run's child process still holds it, or (thread) the model keeps its own optimizer."""
        if self.in_process:
            return self.child is not None and self.child.alive() and self._child_model is model
        return getattr(model, "optimizer", None) is not None

    def start(self, model, dataset, settings, prepared, boundary=False, continue_run=False, initial_epoch=0,
              boundary_every=10, document=None):
        """Train `model` (already checked by `prepare`). `continue_run` keeps the optimizer state
        (the caller checked that the graph and compile settings did not change). `document()`
        -> (.strata bytes, trusted) lets the child rebuild a model that cannot be pickled (blocks)."""
        if self.running:
            raise RuntimeError("a training run is already in progress")
        options = self.options_source(model) if self.options_source is not None else {}
        self.control = TrainingControl(options.get("step_mode", False), options.get("live", False))
        probe_spec = options.get("probe")
        self._model = model
        self._batches_done = 0
        self._running = True
        if self.use_process:
            continuing = continue_run and self.in_process and self.can_continue(model)
            model_bytes = None if continuing else picklable(model)
            recipe = document() if not continuing and model_bytes is None and document is not None else None
            if continuing or model_bytes is not None or recipe is not None:
                self._start_process(model, model_bytes, recipe, dataset, settings, boundary, continuing,
                                    initial_epoch, boundary_every, probe_spec)
                return
        self._start_thread(model, dataset, settings, prepared, boundary, initial_epoch, boundary_every, probe_spec)

    def _start_thread(self, model, dataset, settings, prepared, boundary, initial_epoch, boundary_every,
                      probe_spec=None):
        self.in_process = False
        self._child_model = None
        self.thread = QThread()
        self.worker = TrainingWorker(model, dataset, settings, prepared, self.control, boundary, initial_epoch,
                                     boundary_every, probe_spec)
        self.worker.moveToThread(self.thread)
        for name in ("began", "epochEnded", "paused", "nanDetected", "boundary", "probe", "insight"):
            getattr(self.worker, name).connect(getattr(self, name))
        self.worker.batches.connect(self._on_batches)
        self.worker.done.connect(self._thread_finished)
        self.thread.started.connect(self.worker.run)
        if GUI_SWITCH_INTERVAL_S is not None:
            self._saved_switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        self.thread.start()

    def _start_process(self, model, model_bytes, recipe, dataset, settings, boundary, continuing, initial_epoch,
                       boundary_every, probe_spec=None):
        from app.training.process import ChildProcess
        from app.training.weights import snapshot

        self.in_process = True
        if self.child is None or not self.child.alive():
            self.child = ChildProcess(self)
            self.child.message.connect(self._on_child_message)
            self._child_model = None
        job = {"model": model_bytes, "document": recipe, "weights": None if continuing else snapshot(model),
               "dataset": dataset, "settings": settings, "boundary": boundary, "boundary_every": boundary_every,
               "initial_epoch": initial_epoch, "probe": probe_spec, "step_mode": self.control.step_mode,
               "live": self.control.live}
        self._child_model = model
        self.child.send(("train", job))

    def batches_done(self) -> int:
        return self._batches_done

    def pause(self):
        if self.control and self.running:
            self.control.pause()
            if self.in_process:
                self.child.send(("pause",))

    def resume(self):
        if self.control and self.running:
            self.control.resume()
            if self.in_process:
                self.child.send(("resume",))

    def stop(self):
        if self.control and self.running:
            self.control.stop()
            if self.in_process:
                self.child.send(("stop",))

    def step(self):
        """Train one more batch (step mode)."""
        if self.control and self.running:
            self.control.step()
            if self.in_process:
                self.child.send(("step",))

    def set_step_mode(self, on: bool):
        """Step mode on: stop before the next batch; off: run on (Continue)."""
        if self.control and self.running:
            self.control.set_step_mode(on)
            if self.in_process:
                self.child.send(("step_mode", bool(on)))

    def set_live(self, on: bool):
        """Whether the run computes canvas summaries from now on."""
        if self.control and self.running:
            self.control.set_live(on)
            if self.in_process:
                self.child.send(("live", bool(on)))

    @property
    def step_mode(self) -> bool:
        return bool(self.control and self.running and self.control.step_mode)

    @Slot(list)
    def _on_batches(self, reports):
        self._batches_done += len(reports)
        self.batches.emit(reports)

    @Slot(object)
    def _on_child_message(self, message):
        kind, payload = message
        if kind == "batches":
            self._on_batches(payload)
        elif kind == "done":
            self._process_finished(payload)
        else:
            {"begin": self.began, "epoch": self.epochEnded, "paused": self.paused, "nan": self.nanDetected, "boundary": self.boundary,
             "probe": self.probe, "insight": self.insight}[kind].emit(payload)

    def _process_finished(self, info):
        from app.training.weights import restore

        weights = info.pop("weights", None)
        if weights is not None and self._model is not None:
            restore(self._model, weights)
        if info.get("status") in ("nan", "failed"):
            self._child_model = None  # the child's copy is gone or not finite
        self._running = False
        self.done.emit(info)

    @Slot(dict)
    def _thread_finished(self, info):
        thread, self.thread = self.thread, None
        thread.quit()
        thread.wait()
        self._restore_switch_interval()
        self.worker.deleteLater()
        thread.deleteLater()
        self.worker = None
        self._running = False
        self.done.emit(info)

    def _restore_switch_interval(self):
        if self._saved_switch_interval is not None:
            sys.setswitchinterval(self._saved_switch_interval)
            self._saved_switch_interval = None

    def shutdown(self, timeout_ms=10000):
        """Stop and join the worker thread and the training process (window closing)."""
        if self.thread is not None:
            self.control.stop()
            self.thread.quit()
            self.thread.wait(timeout_ms)
        self._restore_switch_interval()
        if self.child is not None:
            self.child.close(timeout_ms / 1000)
            self.child = None
        self._child_model = None
        self._running = False


def picklable(model) -> bytes | None:
    """The pickled model, or None when it cannot be pickled (it then trains in a thread)."""
    try:
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # e.g. a class defined inside a function, a lambda activation
        return None
