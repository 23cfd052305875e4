"""Ahead-of-time compilation of the CPU kernels, so the first batch is fast.

Each module in `KERNEL_MODULES` lists its warm-up entry points in a `WARMUP` tuple of callables;
calling them compiles that module's numba kernels (float32 and float64) into numba's on-disk
cache. `run()` calls them all, in one of two ways:

- in parallel (cold cache, several CPUs): worker processes compile whole modules into the shared
  cache (`warmup_pool`), and this process then runs every job itself, which loads the kernels
  from that cache in well under a second;
- in this process, one job after another: with one CPU or `workers=1`, in a frozen (PyInstaller)
  app, when the cache is already warm (see `_stamp_path`), or for whatever a worker did not do.

Rule for kernel modules: a module's WARMUP may compile njit functions of its own module and of
helper modules that no *other* kernel module's WARMUP reaches, unless the modules that share
kernels are listed together in `COMPILED_TOGETHER`. Numba rewrites a function's cache index from
whichever process compiles it, so two workers must never compile the same function; modules (or
such groups), not jobs, are what is handed to workers.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import sys
from pathlib import Path

KERNEL_MODULES: tuple[str, ...] = (
    "engine.backend.cpu.conv",
    "engine.backend.cpu.pooling",
    "engine.backend.cpu.rnn",
    "engine.backend.cpu.dense",
    "engine.backend.cpu.norm",
    "engine.backend.cpu.embedding",
    "engine.backend.cpu.losses_kernels",
    "engine.backend.cpu.optim_kernels",
)

# Cold compile seconds per module measured on the 2-core dev machine; only their ratios matter
# (they balance modules over workers). A module missing here counts UNKNOWN_MODULE_COST_S.
COMPILE_COST_S: dict[str, float] = {
    # includes dense's bias + activation kernels (compiled together) and the Winograd kernels (~7 s)
    "engine.backend.cpu.conv": 17.0,
    "engine.backend.cpu.pooling": 6.9,
    "engine.backend.cpu.rnn": 14.9,
    "engine.backend.cpu.dense": 0.5,
    "engine.backend.cpu.norm": 5.6,
    "engine.backend.cpu.embedding": 1.5,
    "engine.backend.cpu.losses_kernels": 1.8,
    "engine.backend.cpu.optim_kernels": 0.9,
}
UNKNOWN_MODULE_COST_S = 3.0

# Kernel modules whose warm-ups compile shared njit functions go to one worker together:
# the fused conv op applies dense's bias + activation kernels to each part of its output.
COMPILED_TOGETHER: tuple[tuple[str, ...], ...] = (
    ("engine.backend.cpu.conv", "engine.backend.cpu.dense"),
)
MAX_WORKERS = 4
WORKERS_ENV = "STRATA_WARMUP_WORKERS"


def run(progress=None, workers=None, timeout_s=None) -> None:
    """Compile every kernel; `progress(done, total)` is called once per warm-up job.

    `workers`: how many compiler processes to use when the cache is cold (None: the
    STRATA_WARMUP_WORKERS variable, else one per CPU up to MAX_WORKERS; 1: compile here).
    `timeout_s`: how long a worker may take before this process compiles its modules itself.
    An exception raised by `progress` stops the warm-up (and its workers) and propagates.
    """
    names = tuple(dict.fromkeys(KERNEL_MODULES))
    count = worker_count(workers, len(names))
    if count >= 2 and not _cache_is_warm():
        from engine.backend.cpu import warmup_pool

        # workers start before this process imports numba and the kernel modules (about a second)
        warmup_pool.run_parallel(names, count, progress, timeout_s or warmup_pool.WORKER_TIMEOUT_S)
    else:
        run_in_process(load_jobs(names), progress)
    _mark_cache_warm()


def load_jobs(names) -> list:
    """[(module name, its WARMUP jobs)] for the kernel modules called `names` (imported now)."""
    return [(name, tuple(getattr(importlib.import_module(name), "WARMUP", ()))) for name in names]


def run_in_process(modules, progress=None, already_reported=None) -> None:
    """Run every job of `modules` ([(name, jobs)]) here, reporting the jobs not in `already_reported`.

    `already_reported` maps a module name to how many of its jobs were counted elsewhere (by a
    worker); the rest are counted here, so `done` reaches `total` exactly once.
    """
    already_reported = already_reported or {}
    total = sum(len(jobs) for _, jobs in modules)
    done = sum(already_reported.values())
    for name, jobs in modules:
        for index, job in enumerate(jobs):
            job()
            if index >= already_reported.get(name, 0):
                done += 1
                if progress is not None:
                    progress(done, total)


def worker_count(requested, module_count: int) -> int:
    """How many worker processes to use for `module_count` kernel modules (1: compile in this process)."""
    if requested is None:
        raw = os.environ.get(WORKERS_ENV, "").strip()
        if raw:
            requested = _positive_int(raw, f"The environment variable {WORKERS_ENV}")
        else:
            requested = min(_cpu_count(), MAX_WORKERS)
    else:
        requested = _positive_int(requested, "warmup(workers=...)")
    if getattr(sys, "frozen", False) or not sys.executable or _jit_disabled():
        return 1  # a frozen app's sys.executable is the app itself, not a Python interpreter
    return max(1, min(requested, module_count))


def module_cost(name: str) -> float:
    """Estimated cold compile seconds of one kernel module (known before it is imported)."""
    return COMPILE_COST_S.get(name, UNKNOWN_MODULE_COST_S)


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number of at least 1, got {value!r}.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a whole number of at least 1, got {value!r}.") from None
    if number < 1 or (isinstance(value, float) and number != value):
        raise ValueError(f"{what} must be a whole number of at least 1, got {value!r}.")
    return number


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _numba_setting(name: str, default: str = ""):
    """numba's config value `name` once numba is loaded, else what numba will read from NUMBA_<name>.

    Reading the environment keeps numba's import (half a second) out of the way until the
    workers have started.
    """
    config = sys.modules.get("numba.core.config")
    if config is not None:
        return getattr(config, name)
    return os.environ.get(f"NUMBA_{name}", default)


def _jit_disabled() -> bool:
    value = _numba_setting("DISABLE_JIT", "0")
    return value not in ("", "0") if isinstance(value, str) else bool(value)


# --- warm-cache stamp ------------------------------------------------------------------------
# Starting workers costs about a second even when every kernel is already cached, so after a
# complete warm-up a stamp file is left next to the cache. While the kernel sources, numba, Python
# and the CPU are unchanged, the next warm-up runs in this process (it only loads the cache). A
# stale stamp costs time, never correctness: missing kernels are then compiled here.

def _fingerprint() -> str:
    import importlib.util

    numba_spec = importlib.util.find_spec("numba")  # its files' stamps stand for its version
    numba_files = [Path(numba_spec.origin).with_name(n) for n in ("__init__.py", "_version.py")] if numba_spec else []
    parts = [sys.version, platform.machine(), _cpu_model(), str(_numba_setting("CACHE_DIR"))]
    for source in numba_files + sorted(Path(__file__).parent.glob("*.py")):
        stat = source.stat()
        parts.append(f"{source}:{stat.st_size}:{stat.st_mtime_ns}")
    parts.extend(KERNEL_MODULES)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return next((line.strip() for line in f if line.startswith("model name")), "")
    except OSError:
        return platform.processor()


def _stamp_path() -> Path:
    cache_dir = _numba_setting("CACHE_DIR")
    if cache_dir:
        folder = Path(cache_dir)
    elif os.access(Path(__file__).parent, os.W_OK):
        folder = Path(__file__).parent / "__pycache__"  # where numba then caches these kernels
    else:
        from engine.backend.cpu.kernel_cache import user_cache_dir

        folder = user_cache_dir()
    return folder / "strata-warmup-stamp.json"


def _cache_is_warm() -> bool:
    try:
        with open(_stamp_path(), encoding="utf-8") as f:
            return json.load(f).get("fingerprint") == _fingerprint()
    except (OSError, ValueError, AttributeError):
        return False


def _mark_cache_warm() -> None:
    path = _stamp_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps({"fingerprint": _fingerprint()}), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        pass  # an unwritable cache folder only means the next warm-up starts workers again
