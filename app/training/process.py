"""`ChildProcess`: the training process seen from the GUI (spawn, pipe, polling timer)."""

from __future__ import annotations

import multiprocessing
import os
import time

from PySide6.QtCore import QObject, QTimer, Signal

POLL_MS = 15
POLL_BUDGET_S = 0.008  # read messages for at most this long per timer tick
# CPU priority of the training process (Unix nice): the GUI stays responsive on busy machines.
CHILD_NICENESS = 10


class ChildProcess(QObject):
    """Starts `app.training.child.child_main` with the spawn method and relays its messages.

    `message((kind, payload))` fires in the GUI thread for every message. When the process
    dies, a ("done", {"status": "failed", ...}) message is made up so the GUI never waits.
    """

    message = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        from app.training.child import child_main

        context = multiprocessing.get_context("spawn")
        self.conn, child_end = context.Pipe(duplex=True)
        self.process = context.Process(target=child_main, args=(child_end,), daemon=True,
                                       name="strata-training")
        self.process.start()
        child_end.close()
        if CHILD_NICENESS and hasattr(os, "setpriority"):  # from the start: its imports compete too
            try:
                os.setpriority(os.PRIO_PROCESS, self.process.pid, os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICENESS)
            except OSError:
                pass
        self.busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def send(self, message) -> None:
        if message[0] == "train":
            self.busy = True
            self.timer.start()
        try:
            self.conn.send(message)
        except (OSError, ValueError):  # the process is gone; _poll reports it
            pass

    def _poll(self) -> None:
        deadline = time.perf_counter() + POLL_BUDGET_S
        try:
            while self.conn.poll() and time.perf_counter() < deadline:
                message = self.conn.recv()
                if message[0] == "done":
                    self.busy = False
                    self.timer.stop()
                self.message.emit(message)
                if not self.busy:
                    return
        except (EOFError, OSError):
            pass
        if self.busy and not self.alive():
            self.busy = False
            self.timer.stop()
            code = self.process.exitcode if self.process is not None else None
            self.message.emit(("done", {"status": "failed", "batches_done": 0, "good_weights": None, "nan": None,
                                        "message": f"Training failed: the training process ended unexpectedly "
                                                   f"(exit code {code})."}))

    def close(self, timeout_s: float = 10.0) -> None:
        """Ask the process to stop and quit; terminate it if it does not within `timeout_s`."""
        self.timer.stop()
        if self.process is None:
            return
        try:
            self.conn.send(("stop",))
            self.conn.send(("quit",))
        except (OSError, ValueError):
            pass
        self.process.join(timeout_s)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(2)
        self.conn.close()
        self.process = None
