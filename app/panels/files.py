"""Reading and writing project files, recent files, and the autosave recovery file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from app.graph.document import Document

MAX_RECENT = 8


def save_document(document: Document, path: str | Path) -> None:
    """Save atomically through the document's project format."""
    try:
        from app.graph.project import save_project
    except ImportError:  # project module not available: plain JSON of the structure
        from app.graph.serialize import document_to_dict

        _atomic_write(Path(path), json.dumps(document_to_dict(document), indent=1).encode("utf-8"))
        return
    save_project(document, str(path))


def load_document(path: str | Path, trust_store=None) -> Document:
    """Load a project file; raises ValueError/OSError naming the file on bad input."""
    try:
        from app.graph.project import load_project
    except ImportError:
        from app.graph.serialize import document_from_dict

        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValueError(f"{path} is not a Strata project: {error}") from None
        return document_from_dict(data, where=str(path))
    if trust_store is not None:
        return load_project(str(path), settings=trust_store)
    return load_project(str(path))


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def recovery_path() -> Path:
    """Where autosave writes the unsaved work."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or tempfile.gettempdir()
    return Path(folder) / "recovery.strata"


def add_recent(recent: list[str], path: str) -> list[str]:
    """`path` first, no duplicates, at most MAX_RECENT entries."""
    path = str(Path(path).resolve())
    return ([path] + [p for p in recent if p != path])[:MAX_RECENT]
