"""First training batch of each workload in a fresh process, by kernel-cache state.

    python -m bench.first_batch [--only W1,W3] [--threads=2]

Each measurement is a new process (`bench.probe first_batch`) with a new, empty
NUMBA_CACHE_DIR, in three states:

- cold: nothing compiled anywhere (shipped kernels turned off): every kernel the batch
  calls compiles;
- shipped: the empty cache is seeded from the kernels compiled at set-up
  (`engine/backend/cpu/shipped_kernels.py`), as for a new user after `make setup`;
- warm: the same cache again, after the cold run compiled this workload's kernels.

Printed per state: the seconds of the first `train_on_batch`, and the whole process
from launch to exit (interpreter, imports, data, model, first batch).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATES = ("cold", "shipped", "warm")


def _probe(name, threads, env_extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(env_extra)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.probe", "first_batch", name, "ours", str(threads)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    process = time.perf_counter() - start
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else "failed"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process"] = process
    return result


def measure(name, threads=2):
    """{state: {"seconds": first batch, "process": launch to exit}} for workload `name`."""
    from engine.backend.cpu.shipped_kernels import DISABLE_ENV

    results = {}
    with tempfile.TemporaryDirectory() as cold_cache:
        results["cold"] = _probe(name, threads, {"NUMBA_CACHE_DIR": cold_cache, DISABLE_ENV: "1"})
        results["warm"] = _probe(name, threads, {"NUMBA_CACHE_DIR": cold_cache, DISABLE_ENV: "1"})
    with tempfile.TemporaryDirectory() as seeded_cache:
        results["shipped"] = _probe(name, threads, {"NUMBA_CACHE_DIR": seeded_cache, DISABLE_ENV: "0"})
    return results


def shipped_available() -> bool:
    """Whether set-up built the shipped kernels of this kernel version."""
    from engine.backend.cpu import kernel_cache, shipped_kernels

    folder = kernel_cache.versioned_dir(shipped_kernels.SHIPPED_BASE)
    return (folder / shipped_kernels.COMPLETE).is_file()


def cell(result):
    """'first (process)' seconds, or 'error'."""
    if "seconds" not in result:
        return "error"
    return f"{result['seconds']:.2f} ({result['process']:.1f})"


def report(names, threads=2, out=print):
    """Print the table for the workloads `names`."""
    out("first batch in a fresh process, s (in brackets: launch to exit, s)")
    if not shipped_available():
        out("(no shipped kernels for this kernel version: run `make setup` or "
            "`python -m engine.backend.ship_kernels`; the shipped column then equals cold)")
    out(f"{'workload':<9}" + "".join(f"{state:>16}" for state in STATES))
    for name in names:
        results = measure(name, threads)
        out(f"{name:<9}" + "".join(f"{cell(results[state]):>16}" for state in STATES))


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.first_batch", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated workload names (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    from bench.workloads import REGISTRY

    names = args.only.split(",") if args.only else list(REGISTRY)
    report(names, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
