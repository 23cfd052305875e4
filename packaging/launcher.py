"""Entry point frozen by PyInstaller: the same `strata` command as the console script."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # The bundle folder may be read-only: numba keeps its compiled kernels in the user's cache.
    os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "strata" / "numba"))
    from app.cli import main

    sys.exit(main())
