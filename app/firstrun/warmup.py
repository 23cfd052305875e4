"""Compile the numba kernels in a background thread at start, with progress in the status bar.

`start_warmup(window)` shows "Preparing kernels 12/40" in the window's status bar while
`engine.backend.warmup(progress)` runs on a worker thread (never the GUI thread); the label goes
away when it is done. A failure is shown in the status bar, never raised.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMainWindow

from app.i18n import tr
from app.panels.status_bar import ElidedLabel


class WarmupCancelled(Exception):
    """Raised from the progress callback to stop the warm-up early (the app is quitting)."""


def _engine_warmup(progress) -> None:
    from engine import backend

    backend.warmup(progress)


class KernelWarmup(QObject):
    """Runs `warm(progress)` on a daemon thread and reports through queued Qt signals.

    Signals: `progress(done, total)`, `finished()`, `failed(message)`; exactly one of the last
    two is emitted (none when cancelled).
    """

    progress = Signal(int, int)
    finished = Signal()
    failed = Signal(str)

    def __init__(self, warm=None, parent=None):
        super().__init__(parent)
        self._warm = warm or _engine_warmup
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.done = False
        self.error: str | None = None

    def start(self) -> None:
        """Begin on a new thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="strata-kernel-warmup", daemon=True)
        self._thread.start()

    def _report(self, done: int, total: int) -> None:
        if self._stop.is_set():
            raise WarmupCancelled()
        self.progress.emit(int(done), int(total))

    def _run(self) -> None:
        try:
            self._warm(self._report)
        except WarmupCancelled:
            return
        except BaseException as error:  # noqa: BLE001 - any failure is reported, the app keeps running
            self.error = f"{type(error).__name__}: {error}"
            self.failed.emit(self.error)
            return
        self.done = True
        self.finished.emit()

    def cancel(self, wait_s: float = 5.0) -> None:
        """Stop after the kernel being compiled now; wait up to `wait_s` for the thread."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(wait_s)

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class WarmupIndicator(ElidedLabel):
    """The small status-bar label that follows a KernelWarmup."""

    def __init__(self, warmup: KernelWarmup, window: QMainWindow):
        super().__init__(tr("Preparing kernels…"))
        self.setObjectName("muted")
        self.setToolTip(tr("Compiling the numerical kernels once so the first training step is fast. "
                           "You can work meanwhile."))
        self._window = window
        queued = Qt.ConnectionType.QueuedConnection
        warmup.progress.connect(self.show_progress, queued)
        warmup.finished.connect(self.show_finished, queued)
        warmup.failed.connect(self.show_failure, queued)
        window.statusBar().addPermanentWidget(self)

    def show_progress(self, done: int, total: int) -> None:
        self.setText(tr("Preparing kernels {}/{}").format(done, total))

    def show_finished(self) -> None:
        self._window.statusBar().removeWidget(self)
        self.hide()
        self.deleteLater()

    def show_failure(self, message: str) -> None:
        self._window.statusBar().removeWidget(self)
        self.hide()
        self.deleteLater()
        self._window.statusBar().showMessage(
            tr("Preparing kernels failed: {}. Training still works but its first steps will be slower.")
            .format(message), 30_000)


def start_warmup(window: QMainWindow, warm=None) -> KernelWarmup:
    """Start the background warm-up for `window` (call after the window is shown)."""
    warmup = KernelWarmup(warm, window)
    window.kernel_warmup = warmup
    window.warmup_indicator = WarmupIndicator(warmup, window)
    warmup.start()
    return warmup
