"""Launch-to-first-paint of the Strata window.

    python -m bench.startup_bench [--runs N] [--file PROJECT.strata]

Starts `python -m app` in a fresh process (offscreen Qt, empty settings) with
STRATA_STARTUP_PROBE set; the app writes the moment its main window first painted and quits.
Prints the time from just before the process started to that paint, per run and the median,
and which heavy modules (torch, keras, numba, scipy, ...) were loaded by then.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure_once(project: str | None = None, timeout_s: float = 60.0) -> dict:
    """One launch; returns {"first_paint_s", "loaded", ...} from the probe."""
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / "probe.json"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STRATA_STARTUP_PROBE=str(probe),
                   XDG_CONFIG_HOME=scratch, PYTHONPATH=str(ROOT))
        command = [sys.executable, "-m", "app"] + ([project] if project else [])
        start = time.time()
        completed = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
        if not probe.exists():
            raise RuntimeError(f"the app did not report a first paint (exit {completed.returncode}):\n"
                               f"{completed.stderr[-2000:]}")
        record = json.loads(probe.read_text(encoding="utf-8"))
    record["first_paint_s"] = record["first_paint_epoch"] - start
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", default=None)
    args = parser.parse_args(argv)
    times = []
    for run in range(1, args.runs + 1):
        record = measure_once(args.file)
        times.append(record["first_paint_s"])
        print(f"run {run}: first paint after {record['first_paint_s']:.2f} s "
              f"(CPU {record['process_seconds']:.2f} s); loaded: {', '.join(record['loaded']) or 'none'}")
    print(f"median launch-to-first-paint: {statistics.median(times):.2f} s (best {min(times):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
