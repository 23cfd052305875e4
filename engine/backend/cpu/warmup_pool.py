"""Cold warm-up in parallel: worker processes compile kernel modules into the shared numba cache.

`run_parallel` splits the modules over `workers` processes by estimated compile cost (each module
goes to exactly one worker: see the rule in `warmup`), starts them with this interpreter
(`python -m engine.backend.cpu.warmup_worker MODULE...`) and the same NUMBA_CACHE_DIR, and counts
each job a worker reports as done. As soon as a worker has finished a module this process runs
that module's jobs itself, which loads the freshly cached kernels. A worker that cannot start,
fails or runs past its time limit is stopped, and this process compiles the modules it had not
finished: the warm-up is never lost, only slower.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from engine.backend.cpu import warmup

WORKER_TIMEOUT_S = 300.0
_log = logging.getLogger(__name__)


def plan(names, workers: int) -> list[list[str]]:
    """Group module names into at most `workers` lists of about equal cost (largest first).

    Modules listed together in `warmup.COMPILED_TOGETHER` always land in the same list."""
    units: list[list[str]] = []
    for name in dict.fromkeys(names):
        together = next((group for group in warmup.COMPILED_TOGETHER if name in group), (name,))
        unit = next((u for u in units if any(member in u for member in together)), None)
        if unit is None:
            units.append([name])
        else:
            unit.append(name)
    costs = sorted(((sum(map(warmup.module_cost, unit)), unit) for unit in units), key=lambda c: -c[0])
    groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(costs))))]
    loads = [0.0] * len(groups)
    for cost, unit in costs:
        lightest = loads.index(min(loads))
        groups[lightest].extend(unit)
        loads[lightest] += cost
    return [group for group in groups if group]


def worker_env() -> dict[str, str]:
    """This process's environment for a worker: same numba cache and threads, engine importable."""
    env = dict(os.environ)
    cache_dir = warmup._numba_setting("CACHE_DIR")
    if cache_dir:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    root = str(Path(warmup.__file__).resolve().parents[3])  # the folder holding the `engine` package
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


class _Worker:
    """One compiler process and the thread that turns its stdout into events on a queue."""

    def __init__(self, modules: list[str], events: queue.Queue, env: dict, timeout_s: float):
        self.modules = modules
        self.log = tempfile.TemporaryFile()
        self.deadline = time.monotonic() + timeout_s
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.backend.cpu.warmup_worker", *modules],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log, env=env, text=True)
        except BaseException:
            self.log.close()
            raise
        self.reader = threading.Thread(target=self._read, args=(events,), daemon=True,
                                       name="strata-warmup-reader")
        self.reader.start()

    def _read(self, events: queue.Queue) -> None:
        for line in self.process.stdout:
            kind, _, name = line.strip().partition(" ")
            if kind in ("job", "module") and name in self.modules:
                events.put((self, kind, name))
        events.put((self, "exit", ""))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def error_tail(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:].decode(errors="replace").strip()

    def close(self) -> None:
        self.stop()
        self.reader.join(5)
        self.process.stdout.close()
        self.log.close()


def run_parallel(names, workers: int, progress=None, timeout_s: float = WORKER_TIMEOUT_S) -> None:
    """Compile the kernel modules called `names` in worker processes, then load them all here."""
    events: queue.Queue = queue.Queue()
    pool: list[_Worker] = []
    reported = {name: 0 for name in names}
    loaded: set[str] = set()
    done = 0
    try:
        env = worker_env()
        for group in plan(names, workers):
            try:
                pool.append(_Worker(group, events, env, timeout_s))
            except (OSError, ValueError) as error:
                _log.warning("Kernel warm-up: cannot start a worker for %s (%s); compiling here.", group, error)
        modules = warmup.load_jobs(names)  # imports numba and the modules while the workers compile
        by_name = dict(modules)
        total = sum(len(jobs) for jobs in by_name.values())
        running = set(pool)
        while running:
            try:
                worker, kind, name = events.get(timeout=max(0.05, min(w.deadline for w in running) - time.monotonic()))
            except queue.Empty:
                worker = None
            for late in [w for w in running if time.monotonic() >= w.deadline]:
                _log.warning("Kernel warm-up: the worker for %s ran past %.0f s; compiling here.",
                             late.modules, timeout_s)
                late.stop()
                running.discard(late)
            if worker not in running:
                continue
            if kind == "job" and reported[name] < len(by_name[name]):
                reported[name] += 1
                done += 1
                if progress is not None:
                    progress(done, total)
            elif kind == "module":
                warmup.run_in_process([(name, by_name[name])])  # loads what the worker cached
                loaded.add(name)
            elif kind == "exit":
                code = worker.process.wait()
                if code != 0:
                    _log.warning("Kernel warm-up: the worker for %s failed (exit status %s); compiling here.\n%s",
                                 worker.modules, code, worker.error_tail())
                running.discard(worker)
    finally:
        for worker in pool:
            worker.close()
    rest = [(name, jobs) for name, jobs in modules if name not in loaded]
    already = {name: count for name, count in reported.items() if name not in loaded}
    done_before = sum(reported.values()) - sum(already.values())
    warmup.run_in_process(rest, _offset(progress, done_before, total), already)


def _offset(progress, done_before: int, total: int):
    """`progress` for a pass over part of the modules: its (done, part_total) become (done + offset, total)."""
    if progress is None:
        return None
    return lambda done, _part_total: progress(done_before + done, total)
