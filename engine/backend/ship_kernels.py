"""`python -m engine.backend.ship_kernels`: compile every CPU kernel into the shipped cache.

Set-up (`make setup`) runs it once per kernel version; see `engine/backend/cpu/shipped_kernels.py`.
It lives outside the `cpu` package so that running it does not import itself twice.
"""

from __future__ import annotations

import sys
import time


def main() -> int:
    """Build the shipped kernel cache and say where it went."""
    from engine.backend.cpu import shipped_kernels

    start = time.perf_counter()
    folder = shipped_kernels.build()
    print(f"compiled kernels shipped in {folder} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
