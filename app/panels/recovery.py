"""Autosave recovery files, one set per running Strata window, so instances never share one.

A window's slot in the recovery folder is `<id>.strata` (the unsaved document), `<id>.json`
(which file it was, when) and `<id>.lock`, which the window holds locked (flock) from its first
autosave until it closes. The operating system drops the lock when the process dies, even by
`kill -9`, so at the next start a slot whose lock can be taken is unsaved work from a session
that ended without closing, and is offered for recovery; a slot whose lock is held belongs to a
window still open (another instance) and is left alone. No Qt here.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from app.userdirs import data_dir, ensure_folder, legacy_recovery_files

PURPOSE = "recovery"  # names the folder in error messages


def default_folder() -> Path:
    """The recovery folder under the user's data folder."""
    return data_dir() / "recovery"


class _Lock:
    """An exclusive, non-blocking lock on a file, released by close() or by the process ending."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


@dataclass
class Orphan:
    """Unsaved work left by a session that ended without closing its window."""

    id: str
    file: Path
    source: str  # the project file it was edited from ("" when it had never been saved)
    saved_at: float


class RecoverySlot:
    """This window's recovery files in `folder` (created, with the folder, on the first write)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.id: str | None = None
        self._lock: _Lock | None = None

    @property
    def file(self) -> Path | None:
        return self.folder / f"{self.id}.strata" if self.id else None

    def _claim(self) -> None:
        if self._lock is not None:
            return
        ensure_folder(self.folder, PURPOSE)
        while True:
            slot_id = f"{os.getpid()}-{secrets.token_hex(4)}"
            lock = _Lock(self.folder / f"{slot_id}.lock")
            if lock.acquire():
                self.id, self._lock = slot_id, lock
                return

    def write(self, payload: bytes, source: str) -> Path:
        """Store `payload` (.strata bytes) and where it came from, atomically; returns the file.
        A failure leaves the previous recovery file as it was."""
        from app.graph.project import atomic_write_bytes

        self._claim()
        atomic_write_bytes(self.file, payload, private=True)
        meta = {"source": source, "saved_at": time.time(), "pid": os.getpid()}
        atomic_write_bytes(self.folder / f"{self.id}.json", json.dumps(meta).encode("utf-8"), private=True)
        return self.file

    def discard(self) -> None:
        """Remove the recovery data (the work was saved); the slot stays this window's."""
        if self.id:
            for suffix in (".strata", ".json"):
                _remove(self.folder / f"{self.id}{suffix}")

    def release(self) -> None:
        """The window closes normally: remove its recovery files and its lock."""
        self.discard()
        if self._lock is not None:
            _remove(self._lock.path)
            self._lock.close()
        self._lock, self.id = None, None

    def abandon(self) -> None:
        """Let go of the lock but keep the files, as a crash does (used by tests)."""
        if self._lock is not None:
            self._lock.close()
        self._lock, self.id = None, None

    def adopt(self, orphan: Orphan) -> bool:
        """Make `orphan`'s slot this window's (its files stay until the next autosave replaces
        them; this window's own slot, still empty at start-up, is released); False if another
        instance took it first or its lock cannot be opened."""
        if not self.folder.is_dir():
            return False
        lock = _Lock(self.folder / f"{orphan.id}.lock")
        try:
            if not lock.acquire():
                return False
        except OSError:
            return False
        self.release()
        self.id, self._lock = orphan.id, lock
        return True

    def set_aside(self, orphan: Orphan) -> Path:
        """Keep an unreadable recovery file under a name that is never offered again; returns it."""
        target = orphan.file.with_name(f"{orphan.id}.unreadable.strata")
        os.replace(orphan.file, target)
        _remove(self.folder / f"{orphan.id}.json")
        return target

    def orphans(self) -> list[Orphan]:
        """Recovery files whose window is gone (lock free), newest first; never this window's own."""
        if not self.folder.is_dir():
            return []
        found = []
        for file in self.folder.glob("*.strata"):
            slot_id = file.stem
            if slot_id == self.id or slot_id.endswith(".unreadable"):
                continue
            probe = _Lock(self.folder / f"{slot_id}.lock")
            try:
                free = probe.acquire()
            except OSError:
                continue
            probe.close()
            if free:
                source, saved_at = _read_meta(self.folder / f"{slot_id}.json", file)
                found.append(Orphan(slot_id, file, source, saved_at))
        return sorted(found, key=lambda o: o.saved_at, reverse=True)

    def import_legacy(self, legacy_source: str = "", legacy_files=None) -> None:
        """Move a recovery file from the old single-file location into this folder as an orphan."""
        for old in legacy_files if legacy_files is not None else legacy_recovery_files():
            if not old.is_file():
                continue
            ensure_folder(self.folder, PURPOSE)
            slot_id = f"legacy-{secrets.token_hex(4)}"
            meta = {"source": legacy_source, "saved_at": old.stat().st_mtime}
            (self.folder / f"{slot_id}.json").write_text(json.dumps(meta), encoding="utf-8")
            try:
                os.replace(old, self.folder / f"{slot_id}.strata")
            except OSError:  # another file system: copy, then remove the old one
                import shutil

                shutil.copy2(old, self.folder / f"{slot_id}.strata")
                old.unlink()


def _read_meta(meta_path: Path, file: Path) -> tuple[str, float]:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return str(meta.get("source") or ""), float(meta.get("saved_at"))
    except (OSError, ValueError, TypeError, AttributeError):
        try:
            return "", file.stat().st_mtime
        except OSError:
            return "", 0.0


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
