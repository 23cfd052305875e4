"""Worker process of the parallel warm-up: `python -m engine.backend.cpu.warmup_worker MODULE...`.

Runs every job in each named kernel module's WARMUP tuple (compiling into the shared numba
cache) and prints `job MODULE` after each job and `module MODULE` after each module, one line
each, flushed. Exits with status 1 and a traceback on stderr when anything fails; the parent
then compiles what is left itself.
"""

from __future__ import annotations

import importlib
import sys


def main(module_names) -> int:
    """Warm up `module_names` in order; 0 when all of them finished."""
    for name in module_names:
        module = importlib.import_module(name)
        for job in getattr(module, "WARMUP", ()):
            job()
            print("job", name, flush=True)
        print("module", name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
