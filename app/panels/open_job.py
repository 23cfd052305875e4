"""Open a project or import a Keras `.keras` model off the GUI thread (File › Open, recent files,
the welcome screen, the command line).

Importing a large model (reading the archive, building and checking the document, loading the
weights, folding the repeated structure) takes seconds (InceptionV3: ~1.5-2.5 s) and reading
its saved project still ~0.5-0.9 s on a busy machine, so `OpenJob` runs
`app.panels.files.load_document` on a daemon thread, as `ExportJob` does for exports, and
reports through queued signals: `finished(job, document)` or `failed(job, message)`. The new Document is
built on the worker and only handed to the window on the GUI thread; nothing of the current
document is touched until then.

`OpenIndicator` is the status bar's busy state while a file is read.
"""

from __future__ import annotations

import threading
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar

from app.i18n import tr


class OpenJob(QObject):
    """Reading one file (project or .keras) on a daemon thread; exactly one signal is emitted."""

    finished = Signal(object, object)   # (this job, the imported app.graph Document)
    failed = Signal(object, str)        # (this job, the importer's message naming the file and layer)

    def __init__(self, path, trust_store=None, parent=None):
        super().__init__(parent)
        self.path = str(path)
        self.trust_store = trust_store
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="strata-open", daemon=True)
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the worker is done (tests, shutting down)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        from app.panels import files

        try:
            document = files.load_document(self.path, self.trust_store)
        except OSError as error:
            outcome = (self.failed, f"{error.filename or self.path}: {error.strerror or error}")
        except ValueError as error:            # ImportError_ and ProjectError name the file
            outcome = (self.failed, str(error))
        except Exception as error:  # noqa: BLE001 - reported in a dialog; the app keeps running
            outcome = (self.failed, f"{self.path}: {type(error).__name__}: {error}")
        else:
            outcome = (self.finished, document)
        if shiboken6.isValid(self):  # the window may have closed while the import ran
            outcome[0].emit(self, outcome[1])


class OpenIndicator:
    """A busy bar and "Opening <file>…" / "Importing <file>…" in `status_bar` while a file is read."""

    def __init__(self, status_bar):
        self.status_bar = status_bar
        self.bar = QProgressBar()
        self.bar.setObjectName("openProgress")
        self.bar.setRange(0, 0)          # no steps to count: a busy bar
        self.bar.setMaximumWidth(120)
        self.bar.setTextVisible(False)
        self.bar.hide()
        status_bar.addPermanentWidget(self.bar)

    def show(self, path, importing: bool) -> None:
        text = tr("Importing {}…") if importing else tr("Opening {}…")
        self.status_bar.showMessage(text.format(Path(path).name))
        self.bar.show()

    def hide(self, message: str = "", timeout_ms: int = 6000) -> None:
        self.bar.hide()
        if message:
            self.status_bar.showMessage(message, timeout_ms)
        else:
            self.status_bar.clearMessage()
