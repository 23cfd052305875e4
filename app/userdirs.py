"""The per-user folders Strata writes to, and creating them on first use.

    config   $STRATA_CONFIG_DIR, else $XDG_CONFIG_HOME/strata, else ~/.config/strata
             the trust list (trust.json)
    data     $STRATA_DATA_DIR, else $XDG_DATA_HOME/strata, else ~/.local/share/strata
             (%LOCALAPPDATA%\\Strata on Windows, ~/Library/Application Support/Strata on macOS)
             the autosave recovery files (recovery/)
    cache    $XDG_CACHE_HOME/strata, else ~/.cache/strata
             the compiled numba kernels (numba/, unless NUMBA_CACHE_DIR is set)

Settings and recent files live in QSettings("Strata", "Strata") (on Linux
~/.config/Strata/Strata.conf, which Qt creates and which follows $XDG_CONFIG_HOME too;
app.firstrun.startup.report_settings_problem reports a failure). The engine cannot import the app, so
engine.backend.cpu.kernel_cache.user_cache_dir applies the cache rule itself (a test keeps the
two equal). No Qt here: app.graph and the frozen launcher use this module too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class UserFolderError(OSError):
    """A per-user folder cannot be created or written; the message names the folder."""

    def __init__(self, message: str, errno: int | None = None):
        super().__init__(message)
        self.errno = errno


def config_dir() -> Path:
    """The folder for the user's configuration (the trust list)."""
    base = os.environ.get("STRATA_CONFIG_DIR")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "strata"


def data_dir() -> Path:
    """The folder for the user's application data (autosave recovery files)."""
    base = os.environ.get("STRATA_DATA_DIR")
    if base:
        return Path(base)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "Strata"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Strata"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "strata"


def cache_dir() -> Path:
    """The folder for the user's caches (the compiled kernels): $XDG_CACHE_HOME/strata, else
    ~/.cache/strata."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "strata"


def kernel_cache_dir() -> Path:
    """Where numba keeps the compiled kernels when NUMBA_CACHE_DIR is not set."""
    return cache_dir() / "numba"


def legacy_recovery_files() -> list[Path]:
    """Where Strata up to 0.x autosaved (QStandardPaths' AppDataLocation with the organisation
    and the application both named "Strata"); read once and moved into the new folder."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return [base / "Strata" / "Strata" / "recovery.strata"]


def ensure_folder(path, purpose: str) -> Path:
    """Create `path` (and its parents) if needed and check it is writable; returns it.

    Raises UserFolderError("Cannot create the <purpose> folder <path>: <reason>") otherwise.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserFolderError(f"Cannot create the {purpose} folder {path}: {exc.strerror or exc}",
                              exc.errno) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserFolderError(f"Cannot write to the {purpose} folder {path}: permission denied", 13)
    return path
