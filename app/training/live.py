"""`LiveCallback`: the bridge from `fit` to the GUI (no Qt).

It reports every batch and epoch to a `sink(kind, payload)` function, blocks between
batches while paused, stops within one batch when asked, catches a NaN or infinite loss
(naming the epoch, batch and loss term) and keeps the last finite epoch's weights for
rollback.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time

import numpy as np

from engine.callbacks.callback import Callback

from app.training.weights import snapshot


GIL_BREATH_S = 0.0005


class TrainingControl:
    """Thread-safe Pause / Resume / Stop / Step requests shared by the GUI and the worker.

    Step mode: before each batch the worker takes one granted step (`step()` grants one) or
    waits; `set_step_mode(False)` (Continue) lets it run on. `live` says whether the canvas
    wants activation and gradient summaries.
    """

    def __init__(self, step_mode: bool = False, live: bool = False):
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._gui_turn = threading.Event()
        self._parked = threading.Event()
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self.step_mode = bool(step_mode)
        self.live = bool(live)
        self._steps = 1 if step_mode else 0  # a run started in step mode trains its first batch

    def pause(self):
        self._running.clear()
        self._changed.set()

    def resume(self):
        self._running.set()
        self._changed.set()

    def stop(self):
        self._stop.set()
        self._running.set()
        self._changed.set()

    def set_step_mode(self, on: bool) -> None:
        """Step mode on: stop before the next batch until `step()`; off: run on (Continue)."""
        with self._lock:
            self.step_mode = bool(on)
            self._steps = 0
        self._changed.set()

    def step(self) -> None:
        """Allow one more batch in step mode (and lift a pause)."""
        with self._lock:
            self._steps += 1
        self._running.set()
        self._changed.set()

    def set_live(self, on: bool) -> None:
        self.live = bool(on)

    def _take_step(self) -> bool:
        with self._lock:
            if not self.step_mode:
                return True
            if self._steps > 0:
                self._steps -= 1
                return True
            return False

    def _wait_for_change(self, timeout: float) -> None:
        """Sleep until a control call (or `timeout`); the pipe version reads messages instead."""
        self._changed.wait(timeout)
        self._changed.clear()

    def gate(self, on_pause=None) -> None:
        """Called before each batch: block while paused, or in step mode until a step is granted.

        `on_pause()` runs once when blocking starts. Returns at once when stop was requested.
        """
        notified = False
        self._wait_for_change(0.0)  # the pipe version reads the messages waiting
        while True:
            if self._stop.is_set():
                return
            if self._running.is_set() and self._take_step():
                return
            if not notified:
                notified = True
                if on_pause is not None:
                    on_pause()
            self._wait_for_change(0.05)

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @contextlib.contextmanager
    def gui_turn(self, wait_s: float = 0.02):
        """Let the GUI thread redraw without fighting the training thread for the interpreter.

        The worker parks at its next batch boundary (waiting at most `wait_s` for it), and
        stays parked until the block ends. Redraws are rate-limited, so training loses little.
        """
        self._parked.clear()
        self._gui_turn.set()
        try:
            self._parked.wait(wait_s)
            yield
        finally:
            self._gui_turn.clear()

    def yield_to_gui(self, limit_s: float = 0.5):
        """Called by the worker between batches: park while the GUI has its turn."""
        if not self._gui_turn.is_set():
            time.sleep(GIL_BREATH_S)  # a moment without the GIL so queued GUI work runs promptly
            return
        self._parked.set()
        deadline = time.monotonic() + limit_s
        while self._gui_turn.is_set() and time.monotonic() < deadline:
            time.sleep(0.001)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


class LiveCallback(Callback):
    """Reports progress to `sink(kind, payload)`; kinds: begin, batch, epoch, paused, nan, end.

    `extra_epoch_hook(model, epoch)` runs in the training thread at each epoch end (the
    decision-boundary grid is computed there, off the GUI thread).
    """

    def __init__(self, control: TrainingControl, sink, samples: int, batch_size: int, extra_epoch_hook=None,
                 batch_hook=None, probe=None):
        super().__init__()
        self.batch_hook = batch_hook
        self.probe = probe  # ProbeEvery (app.training.probe): canvas summaries; also once before batch 1
        self.terms = None   # BatchTerms, made when training begins
        self.control = control
        self.sink = sink
        self.samples = samples
        self.batch_size = batch_size
        self.extra_epoch_hook = extra_epoch_hook
        self.batches_done = 0
        self.good_weights = None
        self.good_epoch = None
        self.nan_info = None
        self.stopped_by_user = False
        self.stop_seen_at = None  # batches done when the Stop request reached the training loop
        self._epoch = 0
        self._added_sums: dict[str, float] = {}
        self._added_counts = 0
        self._loss_total = 0.0
        self._loss_count = 0.0

    # -- helpers ----------------------------------------------------------------------
    def _added_losses(self) -> dict[str, float]:
        """Each layer's add_loss contributions of the last batch, keyed "add_loss/<layer>"."""
        found = {}
        for layer in self.model._flatten_layers():
            values = getattr(layer, "_call_losses", None)
            if layer is self.model or not values:
                continue
            total = 0.0
            for v in values:
                total += float(np.sum(v.numpy() if hasattr(v, "numpy") else v))
            found[f"add_loss/{layer.name}"] = found.get(f"add_loss/{layer.name}", 0.0) + total
        return found

    def _batch_loss(self) -> float | None:
        """This batch's total loss from the loss tracker's running sums."""
        tracker = getattr(self.model, "_loss_tracker", None)
        if tracker is None:
            return None
        total, count = float(tracker.total.numpy()), float(tracker.count.numpy())
        d_total, d_count = total - self._loss_total, count - self._loss_count
        self._loss_total, self._loss_count = total, count
        return d_total / d_count if d_count else None

    # -- hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        from app.training.step_terms import BatchTerms

        self.terms = BatchTerms(self.model)
        self.good_weights = snapshot(self.model)
        self.good_epoch = None
        self._t0 = time.perf_counter()
        self.sink("begin", {"epochs": self.params.get("epochs"), "steps": self.params.get("steps")})
        if self.probe is not None:
            self.probe(self.model, 0, self.params.get("initial_epoch", 0), -1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._added_sums, self._added_counts = {}, 0
        self._loss_total = self._loss_count = 0.0
        if self.terms is not None:
            self.terms.epoch_begin()

    def on_train_batch_begin(self, batch, logs=None):
        self.control.yield_to_gui()
        self.control.gate(lambda: self.sink("paused", {"epoch": self._epoch, "batch": batch,
                                                       "step_mode": self.control.step_mode}))
        self._check_stop()
        if self.terms is not None:
            self.terms.before_batch()

    def _check_stop(self):
        if self.control.stop_requested:
            if self.stop_seen_at is None:
                self.stop_seen_at = self.batches_done
            self.stopped_by_user = True
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        logs = dict(logs or {})
        self.batches_done += 1
        batch_loss = self._batch_loss()
        added = self._added_losses()
        for name, value in added.items():
            self._added_sums[name] = self._added_sums.get(name, 0.0) + value
        self._added_counts += 1
        values = dict(logs)
        values.update(added)
        steps = self.params.get("steps") or 0
        epochs = self.params.get("epochs") or 1
        elapsed = time.perf_counter() - self._t0
        rate = self.batches_done * self.batch_size / elapsed if elapsed > 0 else 0.0
        total_batches = steps * (epochs - self.params.get("initial_epoch", 0)) if steps else 0
        eta = (total_batches - self.batches_done) * elapsed / self.batches_done if total_batches else None
        terms = self.terms.after_batch(batch_loss, added) if self.terms is not None else []
        self.sink("batch", {"epoch": self._epoch, "batch": batch, "steps": steps, "values": values,
                            "terms": terms, "batches_done": self.batches_done, "samples_per_s": rate,
                            "eta_s": max(eta, 0.0) if eta is not None else None,
                            "x": self._epoch + (batch + 1) / steps if steps else float(self.batches_done)})
        if (batch_loss is not None and not _finite(batch_loss)) or not _finite(values.get("loss", 0.0)):
            self.nan_info = self._describe_nan(batch, batch_loss, added)
            self.model.stop_training = True
            self.sink("nan", dict(self.nan_info))
            return
        if self.batch_hook is not None:
            self.batch_hook(self.model, self.batches_done)
        if self.probe is not None:
            self.probe(self.model, self.batches_done, self._epoch, batch)
        self._check_stop()

    def _describe_nan(self, batch, batch_loss, added) -> dict:
        bad_terms = [name for name, value in added.items() if not _finite(value)]
        regularizer_terms = []
        for layer in self.model._flatten_layers():
            for variable in layer._own_variables():
                if variable.regularizer is not None and not _finite(np.sum(variable.numpy())):
                    regularizer_terms.append(f"regularizer of {variable.path}")
        if bad_terms:
            term = ", ".join(t.replace("add_loss/", "add_loss of layer ") for t in bad_terms)
        elif regularizer_terms:
            term = ", ".join(regularizer_terms)
        else:
            loss = getattr(self.model, "loss", None)
            name = getattr(loss, "name", None) or (loss if isinstance(loss, str) else "the compiled loss")
            term = f"the compiled loss ({name})"
        rollback = self.good_epoch
        where = f"epoch {self._epoch + 1}, batch {batch + 1}"
        message = (f"Training stopped: the loss became {batch_loss} at {where}, coming from {term}. "
                   + ("Roll back to the weights after epoch %d?" % (rollback + 1) if rollback is not None
                      else "Roll back to the weights from before training?")
                   + " A lower learning rate usually helps.")
        return {"epoch": self._epoch, "batch": batch, "term": term, "value": batch_loss, "message": message,
                "rollback_epoch": rollback}

    def on_train_end(self, logs=None):
        if self.probe is not None and self.nan_info is None:
            self.probe(self.model, self.batches_done, self._epoch, -1, force=True)  # the trained state

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self._added_counts:
            for name, total in self._added_sums.items():
                logs[name] = total / self._added_counts
        finite = self.nan_info is None and all(_finite(v) for v in logs.values())
        if finite:
            self.good_weights = snapshot(self.model)
            self.good_epoch = epoch
        extra = None
        if finite and self.extra_epoch_hook is not None:
            extra = self.extra_epoch_hook(self.model, epoch)
        self.sink("epoch", {"epoch": epoch, "values": logs, "extra": extra})
        self._check_stop()
