"""Export Python off the GUI thread: the code, its data file and (if asked) the weights.

Writing the data set and the weights compiles the model, which takes seconds for a large one,
so `ExportJob` works on a copy of the document taken on the GUI thread (its structure as
project.json data and its weight entries, whose arrays are never changed in place) and
reports back through queued signals: `finished(paths)` or `failed(message)`.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal


def snapshot(document) -> tuple:
    """What the worker needs to rebuild the document: cheap to take on the GUI thread."""
    from app.graph.serialize import document_to_dict

    entries = dict(document.weights.entries) if document.weights is not None else {}
    return document_to_dict(document), entries, bool(document.trusted)


def restore(state):
    """A Document rebuilt from `snapshot` (on the worker thread)."""
    from app.graph.serialize import document_from_dict
    from app.graph.weights import WeightStore

    data, entries, trusted = state
    doc = document_from_dict(data)
    doc.weights = WeightStore()
    doc.weights.entries = dict(entries)
    doc.trusted = trusted
    doc.recheck()
    return doc


class ExportJob(QObject):
    """One export to `path` on a daemon thread; exactly one of the signals is emitted."""

    finished = Signal(list)
    failed = Signal(str)

    def __init__(self, document, path, target: str, weights: bool, style: str = "functional", parent=None):
        super().__init__(parent)
        self._state = snapshot(document)
        self.path, self.target, self.weights, self.style = str(path), target, weights, style
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="strata-export", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the worker is done (tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        from app.graph.export_files import write_export

        try:
            doc = restore(self._state)
            written = write_export(doc, self.path, self.target, self.style, weights=self.weights)
        except OSError as error:
            self.failed.emit(f"{error.filename or self.path}: {error.strerror or error}")
        except ValueError as error:            # ExportError, ProjectError, the engine's messages
            self.failed.emit(str(error))
        except Exception as error:  # noqa: BLE001 - reported in a dialog; the app keeps running
            self.failed.emit(f"{type(error).__name__}: {error}")
        else:
            self.finished.emit(written)
