"""Where numba caches the compiled CPU kernels: one folder per version of the kernel sources.

Numba checks a cached kernel against the timestamp of the file that defines it, not the
files of the kernels it calls. The recurrent loops (`rnn_loops.py`) compile the step
kernels of `rnn32.py` and `act32.py` into themselves, so after an edit or an upgrade that
changed only those files numba would load the old machine code. Keying the cache folder
by a hash of every kernel source closes that: a changed kernel file means a new folder
and a fresh compile; an unchanged installation keeps its folder and its fast start.

`use_versioned_cache_dir()` runs when the CPU backend is imported, before any kernel
module (and usually before numba) is loaded. The base folder is NUMBA_CACHE_DIR when it
is set, else $XDG_CACHE_HOME/strata/numba (~/.cache/strata/numba); the folder is created
here, and a folder that cannot be created is reported on stderr and replaced by one under the
private folder under the system temp folder. A base that already is a versioned folder
(a warm-up worker inherits one) is replaced by its parent, so the call is idempotent.
Folders of other versions are left alone: two checkouts may share the base.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

PREFIX = "kernels-"


def user_cache_dir() -> Path:
    """Strata's per-user cache folder: $XDG_CACHE_HOME/strata, else ~/.cache/strata (read from
    the environment at each call, so a launcher or test that sets XDG_CACHE_HOME is honoured)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "strata"


def default_base() -> Path:
    """The kernel cache base when NUMBA_CACHE_DIR is not set: `user_cache_dir()`/numba."""
    return user_cache_dir() / "numba"


def sources_fingerprint() -> str:
    """A short hash of the kernel sources (every .py file of this package), or of the
    engine version where the sources are not readable (a bundle without them)."""
    digest = hashlib.sha256()
    found = False
    for source in sorted(Path(__file__).parent.glob("*.py")):
        try:
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
            found = True
        except OSError:
            continue
    if not found:
        from engine.version import __version__

        digest.update(__version__.encode())
    return digest.hexdigest()[:16]


def versioned_dir(base) -> Path:
    """The folder for this version of the kernels under `base` (a versioned `base` is
    replaced by its parent first)."""
    base = Path(base)
    if base.name.startswith(PREFIX):
        base = base.parent
    return base / f"{PREFIX}{sources_fingerprint()}"


def use_versioned_cache_dir() -> Path:
    """Point numba (and the processes this one starts) at `versioned_dir`, seeded from the
    installation's compiled kernels when it was never filled (`shipped_kernels`); returns it."""
    from engine.backend.cpu import shipped_kernels

    base = os.environ.get("NUMBA_CACHE_DIR") or str(default_base())
    target = usable_dir(versioned_dir(base))
    os.environ["NUMBA_CACHE_DIR"] = str(target)
    config = sys.modules.get("numba.core.config")
    if config is not None:  # numba already read the environment: tell it directly
        config.CACHE_DIR = str(target)
    shipped_kernels.seed(target)
    return target


def usable_dir(target: Path) -> Path:
    """`target`, created if needed; when it cannot be created or written, says so on stderr
    (naming the folder) and returns a private new folder under the system temp folder instead,
    so the kernels still compile (numba's cache holds pickles: never a shared, guessable folder)."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        if os.access(target, os.W_OK | os.X_OK):
            return target
        reason = "permission denied"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    import tempfile

    fallback = Path(tempfile.mkdtemp(prefix="strata-numba-")) / target.name
    print(f"strata: cannot create the kernel cache folder {target}: {reason}; "
          f"compiled kernels go to {fallback} for this session", file=sys.stderr)
    return fallback
