"""A fresh, empty home folder and a way to run the real `strata` process in it."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DRIVER = Path(__file__).with_name("driver.py")
EXAMPLE = ROOT / "resources" / "examples" / "09_spiral.strata"
SAFETY_S = 180  # a hung process fails the test instead of hanging the suite (not a speed bound)


def warm_kernel_cache() -> str:
    """The numba cache this test process uses: the app's kernels compile once, not per test.
    (Only the kernel cache is shared; kernel_cache's own test covers creating it in a fresh home.)"""
    from engine.backend.cpu import kernel_cache

    return os.environ.get("NUMBA_CACHE_DIR") or str(kernel_cache.default_base())


class FreshHome:
    """An empty $HOME (XDG folders unset or inside it) and the processes started in it."""

    def __init__(self, root: Path):
        self.home = root / "home"
        self.home.mkdir()
        runtime = root / "runtime"
        runtime.mkdir(mode=0o700)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("XDG_", "STRATA_")) and k not in ("NUMBA_CACHE_DIR",)}
        self.env.update(HOME=str(self.home), XDG_RUNTIME_DIR=str(runtime), QT_QPA_PLATFORM="offscreen",
                        PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=warm_kernel_cache())
        self.reports = root / "reports"
        self.reports.mkdir()
        self.processes = []

    def user_project(self) -> Path:
        """The user's own saved project (a copy of the spiral example) in ~/projects."""
        folder = self.home / "projects"
        folder.mkdir(exist_ok=True)
        path = folder / "spiral.strata"
        path.write_bytes(EXAMPLE.read_bytes())
        return path

    def start(self, mode: str, *args) -> tuple[subprocess.Popen, Path]:
        report = self.reports / f"{mode}-{len(self.processes)}.json"
        process = subprocess.Popen([sys.executable, str(DRIVER), mode, str(report), *map(str, args)],
                                   cwd=self.home, env=self.env, start_new_session=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process, report

    def wait_report(self, process, report: Path, phase: str) -> dict:
        """The driver's report once it reaches `phase` (fails with the process output if it dies)."""
        import time

        deadline = time.monotonic() + SAFETY_S
        while time.monotonic() < deadline:
            if report.exists():
                record = json.loads(report.read_text())
                if record.get("phase") == phase:
                    return record
                if record.get("phase") == "autosave_failed":
                    self.stop(process)
                    raise AssertionError(f"the app reported: Autosave failed: {record['error']}")
            if process.poll() is not None and not report.exists():
                break
            time.sleep(0.1)
        self.stop(process)
        output = process.stdout.read().decode(errors="replace")
        raise AssertionError(f"no {phase!r} report from the app; exit {process.poll()}; output:\n{output[-4000:]}")

    @staticmethod
    def kill9(process) -> None:
        """What a crash or `kill -9` does to the app's main process (its children are left to notice)."""
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    @staticmethod
    def wait_gone(pid: int) -> None:
        """Wait until process `pid` has ended (it is not our child: poll /proc)."""
        import time

        deadline = time.monotonic() + SAFETY_S
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    if handle.read().split(")")[-1].split()[0] == "Z":
                        return  # ended; its parent (killed) will never reap it
            except FileNotFoundError:
                return
            time.sleep(0.1)
        raise AssertionError(f"process {pid} still runs after its GUI process was killed")

    @staticmethod
    def stop(process) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the app and anything it started
        except ProcessLookupError:
            pass
        process.wait()


@pytest.fixture
def fresh_home(tmp_path):
    home = FreshHome(tmp_path)
    yield home
    for process in home.processes:
        home.stop(process)
