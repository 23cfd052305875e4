"""Reading and writing project files and the recent-files list (recovery files: app.panels.recovery)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.graph.document import Document

MAX_RECENT = 8


def save_document(document: Document, path: str | Path, trust_store=None) -> None:
    """Save atomically through the document's project format (app.graph.project)."""
    from app.graph.project import save_project

    save_project(document, str(path), trust=trust_store)


def load_document(path: str | Path, trust_store=None) -> Document:
    """Load a project file, or import a Keras `.keras` model (its repeated structure folded
    into linked blocks); raises ValueError (ProjectError, ImportError_) naming the file."""
    from app.graph.project import load_project

    if is_keras_model(path):
        from app.graph.importer import import_keras

        return import_keras(path)

    return load_project(str(path), trust=trust_store)


def is_keras_model(path: str | Path) -> bool:
    """Whether `path` names a Keras model (imported, not opened as a project)."""
    return str(path).lower().endswith(".keras")


def trust(document: Document, trust_store) -> None:
    """The user trusts this project's custom code: remember it and run it."""
    from app.graph.project import trust_document

    trust_document(document, trust_store)


def make_trust_store(path: str | None = None):
    """The list of trusted projects (default: the user's config folder)."""
    from app.graph.project import TrustStore

    return TrustStore(path or None)


def add_recent(recent: list[str], path: str) -> list[str]:
    """`path` first, no duplicates, at most MAX_RECENT entries."""
    path = str(Path(path).resolve())
    return ([path] + [p for p in recent if p != path])[:MAX_RECENT]


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` via a temporary file and os.replace; ordinary permissions."""
    _atomic_write(Path(path), text.encode("utf-8"))


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; exported code is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
