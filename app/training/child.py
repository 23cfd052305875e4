"""The training process: trains a model sent by the GUI process and reports through a pipe.

No Qt here. The GUI process (app.training.worker) starts `child_main(conn)` with the `spawn`
method; the child keeps the last model it trained (with its optimizer state) so that a
"continue" job trains on without re-sending or recompiling it.

Messages to the child: ("train", job), ("pause",), ("resume",), ("stop",), ("quit",),
("step",) (one more batch in step mode), ("step_mode", bool) (False: Continue) and
("live", bool) (whether the canvas wants activation and gradient summaries).
Messages from the child: ("begin", info), ("batches", [report, ...]), ("epoch", info),
("paused", info), ("nan", info), ("boundary", grid), ("probe", summaries), ("insight", result),
("done", info). A job may carry "probe" (a probe spec, app.training.probe), "step_mode" and "live".
"done" carries the final weights and those after the last finite epoch (for Roll back), which
the child keeps as it trains.
"""

from __future__ import annotations

import os
import pickle
import time
import traceback

from app.training.live import TrainingControl

FLUSH_SECONDS = 0.03


class PipeControl(TrainingControl):
    """Pause / Resume / Stop read from the pipe between batches (the GUI is another process)."""

    def __init__(self, conn, step_mode: bool = False, live: bool = False):
        super().__init__(step_mode, live)
        self.conn = conn
        self.quit_requested = False

    def poll(self, timeout: float = 0.0) -> None:
        """Apply every control message waiting in the pipe (waiting up to `timeout` for the first)."""
        while self.conn.poll(timeout):
            timeout = 0.0
            try:
                message = self.conn.recv()
            except (EOFError, OSError):  # the GUI process went away: stop
                message = ("quit",)
            kind = message[0]
            if kind == "pause":
                self.pause()
            elif kind == "resume":
                self.resume()
            elif kind == "step":
                self.step()
            elif kind == "step_mode":
                self.set_step_mode(message[1])
            elif kind == "live":
                self.set_live(message[1])
            elif kind in ("stop", "quit"):
                self.quit_requested = self.quit_requested or kind == "quit"
                self.stop()
                return

    def yield_to_gui(self, limit_s: float = 0.5):
        self.poll()

    def _wait_for_change(self, timeout: float) -> None:
        self.poll(timeout)


class PipeSink:
    """`sink(kind, payload)` that sends to the pipe, grouping batch reports (~30 messages/s)."""

    def __init__(self, conn):
        self.conn = conn
        self.pending: list[dict] = []
        self.last_flush = 0.0
        self.batches_done = 0

    def flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            self.conn.send(("batches", pending))
        self.last_flush = time.perf_counter()

    def __call__(self, kind, payload) -> None:
        if kind == "batch":
            self.batches_done += 1
            self.pending.append(payload)
            if time.perf_counter() - self.last_flush >= FLUSH_SECONDS:
                self.flush()
            return
        self.flush()
        self.conn.send((kind, payload))


def model_from_document(project: bytes, trusted: bool):
    """Compile the engine model of a document sent as .strata bytes (blocks become classes here).

    `trusted` is the GUI document's trust: custom code runs here only where it would run there.
    """
    import tempfile

    from app.graph.compiler import compile_document
    from app.graph.project import load_project

    fd, path = tempfile.mkstemp(suffix=".strata")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(project)
        document = load_project(path)
    finally:
        os.unlink(path)
    document.trusted = bool(trusted)
    return compile_document(document).model


def run_job(conn, state: dict, job: dict) -> bool:
    """Train one job; returns False when the GUI asked the child to quit."""
    from app.training.job import (BoundaryEvery, decision_grid, insight_of, optimizer_steps, outcome, prepare,
                                   probe_hook, run_training)
    from app.training.weights import snapshot

    control = PipeControl(conn, job.get("step_mode", False), job.get("live", False))
    sink = PipeSink(conn)
    callback = None
    status, message = "failed", ""
    try:
        if job["model"] is not None:
            state["model"] = pickle.loads(job["model"])
        elif job.get("document") is not None:
            state["model"] = model_from_document(*job["document"])
        model = state["model"]
        if model is None:
            raise RuntimeError("no model to continue: the training process was restarted")
        if job.get("weights") is not None:
            model.set_weights(job["weights"])
        dataset, settings = job["dataset"], job["settings"]
        fresh = job["model"] is not None or job.get("document") is not None
        prepared = prepare(model, dataset, settings, compile=fresh)

        def epoch_hook(trained, epoch):
            return {"boundary": decision_grid(trained, dataset)} if job.get("boundary") else None

        batch_hook = BoundaryEvery(dataset, sink, job.get("boundary_every", 10)) if job.get("boundary") else None
        probe = probe_hook(job.get("probe"), prepared, sink, control)
        callback = run_training(model, dataset, settings, control, sink, epoch_hook, prepared, batch_hook,
                                job.get("initial_epoch", 0), probe)
        status, message = outcome(callback)
        if status == "finished":
            sink("insight", insight_of(model, dataset, settings))
    except Exception as exc:  # reported to the user; the GUI stays alive
        status, message = "failed", f"Training failed: {type(exc).__name__}: {exc}"
        traceback.print_exc()
        state["model"] = None
    sink.flush()
    model = state.get("model")
    done = {"status": status, "message": message, "batches_done": sink.batches_done,
            "weights": snapshot(model) if model is not None else None,
            "good_weights": callback.good_weights if callback is not None else None,
            "nan": callback.nan_info if callback is not None else None,
            "stop_seen_at": callback.stop_seen_at if callback is not None else None,
            "optimizer_steps": optimizer_steps(model)}
    if status == "nan":
        state["model"] = None  # its weights are not finite: the next run starts from the GUI's model
    conn.send(("done", done))
    return not control.quit_requested


def child_main(conn) -> None:
    """The child's loop: one job at a time until ("quit",) or the pipe closes.

    The GUI process lowers this process's CPU priority (process.CHILD_NICENESS) so that it
    wins when the cores are busy.
    """
    state: dict = {"model": None}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "quit":
            return
        if kind == "train" and not run_job(conn, state, message[1]):
            return
        # pause/resume/stop between runs mean nothing
