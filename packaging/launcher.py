"""Entry point frozen by PyInstaller: the same `strata` command as the console script."""

import os
import sys


def prepare_environment() -> None:
    """Point numba's kernel cache at the user's cache folder ($XDG_CACHE_HOME/strata/numba, else
    ~/.cache/strata/numba, as the engine does) unless NUMBA_CACHE_DIR is set: the bundle folder
    may be read-only, and the cache must be known before anything loads numba."""
    from app.userdirs import kernel_cache_dir

    os.environ.setdefault("NUMBA_CACHE_DIR", str(kernel_cache_dir()))


if __name__ == "__main__":
    prepare_environment()
    from app.cli import main

    sys.exit(main())
