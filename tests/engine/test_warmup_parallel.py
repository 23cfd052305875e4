"""The kernel warm-up: worker processes compile whole modules into a shared numba cache, then the
calling process loads them; it falls back to compiling itself when workers cannot be used.

Cold compiles run in a subprocess with a temporary NUMBA_CACHE_DIR over two tiny fake kernel
modules (tests/engine/warmup_fakes), whose jobs log which process ran them and whether numba
compiled the kernel there or loaded it from the cache.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.backend.cpu import warmup, warmup_pool

ROOT = Path(__file__).resolve().parents[2]
FAKE_A, FAKE_B = "fake_kernels_a", "fake_kernels_b"


def _drive(tmp_path, *args, env_extra=None):
    """Run the warm-up over the fake modules in a fresh process; its JSON report and job log."""
    env = dict(os.environ)
    env.update({"NUMBA_CACHE_DIR": str(tmp_path / "cache"), "STRATA_TEST_WARMUP_LOG": str(tmp_path / "log"),
                "PYTHONPATH": str(ROOT)})
    env.pop(warmup.WORKERS_ENV, None)
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-m", "tests.engine.warmup_fakes.drive", *map(str, args)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    log_path = tmp_path / "log"
    lines = log_path.read_text().split("\n") if log_path.exists() else []
    log_path.unlink(missing_ok=True)
    jobs = [dict(zip(("module", "dtype", "pid", "how"), line.split())) for line in lines if line]
    for job in jobs:
        job["pid"] = int(job["pid"])
    return report, jobs


def _ran_here(report, jobs):
    return [(j["module"], j["dtype"], j["how"]) for j in jobs if j["pid"] == report["parent"]]


def _compiled_by_workers(report, jobs):
    """{module: {pid, ...}} of the worker processes that compiled it."""
    owners = {}
    for job in jobs:
        if job["pid"] != report["parent"]:
            assert job["how"] == "compiled", job
            owners.setdefault(job["module"], set()).add(job["pid"])
    return owners


def _assert_progress_counts_each_job_once(progress, total=4):
    assert [done for done, _ in progress] == list(range(1, total + 1)), progress
    assert {t for _, t in progress} == {total}


def test_cold_warmup_compiles_each_module_in_one_worker_then_loads_it_here(tmp_path):
    report, jobs = _drive(tmp_path, 2, 300)
    assert report["workers_started"] == 2 and report["workers_left_running"] == 0
    owners = _compiled_by_workers(report, jobs)
    assert set(owners) == {FAKE_A, FAKE_B}
    assert all(len(pids) == 1 for pids in owners.values())  # a module never split between workers
    assert owners[FAKE_A] != owners[FAKE_B]
    assert sorted(_ran_here(report, jobs)) == [(m, d, "cached") for m in (FAKE_A, FAKE_B)
                                               for d in ("float32", "float64")]
    _assert_progress_counts_each_job_once(report["progress"])
    assert report["warnings"] == []

    # warm cache: no worker starts; this process loads every kernel from the cache
    report, jobs = _drive(tmp_path, 2, 300)
    assert report["workers_started"] == 0
    assert sorted(_ran_here(report, jobs)) == [(m, d, "cached") for m in (FAKE_A, FAKE_B)
                                               for d in ("float32", "float64")]
    _assert_progress_counts_each_job_once(report["progress"])


def test_a_failing_worker_leaves_its_modules_to_this_process(tmp_path):
    report, jobs = _drive(tmp_path, 2, 300, env_extra={"STRATA_TEST_WARMUP_FAIL_IN_WORKER_OF": FAKE_A})
    assert report["workers_started"] == 2 and report["workers_left_running"] == 0
    assert set(_compiled_by_workers(report, jobs)) == {FAKE_B}
    here = sorted(_ran_here(report, jobs))
    assert here == [(FAKE_A, "float32", "compiled"), (FAKE_A, "float64", "compiled"),
                    (FAKE_B, "float32", "cached"), (FAKE_B, "float64", "cached")]
    _assert_progress_counts_each_job_once(report["progress"])
    assert len(report["warnings"]) == 1 and "exit status 3" in report["warnings"][0]
    assert FAKE_A in report["warnings"][0]


def test_a_worker_past_its_time_limit_is_stopped_and_its_modules_compile_here(tmp_path):
    report, jobs = _drive(tmp_path, 2, 2, env_extra={"STRATA_TEST_WARMUP_HANG_IN_WORKER": "1"})
    assert report["workers_started"] == 2 and report["workers_left_running"] == 0
    assert _compiled_by_workers(report, jobs) == {}
    assert sorted(_ran_here(report, jobs)) == [(m, d, "compiled") for m in (FAKE_A, FAKE_B)
                                               for d in ("float32", "float64")]
    _assert_progress_counts_each_job_once(report["progress"])
    assert len(report["warnings"]) == 2 and all("ran past" in w for w in report["warnings"])


@pytest.mark.parametrize("workers, frozen", [(1, False), (2, True)])
def test_one_worker_or_a_frozen_app_compiles_in_this_process(tmp_path, workers, frozen):
    report, jobs = _drive(tmp_path, workers, 300, *(["frozen"] if frozen else []))
    assert report["workers_started"] == 0
    assert sorted(_ran_here(report, jobs)) == [(m, d, "compiled") for m in (FAKE_A, FAKE_B)
                                               for d in ("float32", "float64")]
    _assert_progress_counts_each_job_once(report["progress"])


def test_an_exception_from_progress_stops_the_workers(tmp_path):
    report, _ = _drive(tmp_path, 2, 300, "cancel")
    assert report["cancelled"] and report["progress"] == [[1, 4]]
    assert report["workers_started"] == 2 and report["workers_left_running"] == 0


def test_plan_gives_each_module_to_exactly_one_worker_balanced_by_cost():
    names = list(warmup.KERNEL_MODULES) + ["new.module"]
    for workers in (2, 3, 4):
        groups = warmup_pool.plan(names, workers)
        assert sorted(name for group in groups for name in group) == sorted(names)  # each exactly once
        assert len(groups) == workers
        loads = [sum(warmup.module_cost(n) for n in group) for group in groups]
        assert max(loads) - min(loads) <= max(map(warmup.module_cost, names))  # within one module
    two = warmup_pool.plan(warmup.KERNEL_MODULES, 2)
    dearest, second = sorted(warmup.KERNEL_MODULES, key=warmup.module_cost, reverse=True)[:2]
    assert not any(dearest in group and second in group for group in two)  # the two dearest go apart
    assert warmup_pool.plan(names[:1], 4) == [names[:1]]
    assert warmup.module_cost("new.module") == warmup.UNKNOWN_MODULE_COST_S


def test_worker_count_rules(monkeypatch):
    monkeypatch.delenv(warmup.WORKERS_ENV, raising=False)
    monkeypatch.setattr(warmup, "_cpu_count", lambda: 2)
    assert warmup.worker_count(None, 8) == 2
    assert warmup.worker_count(None, 1) == 1  # one module: nothing to share out
    assert warmup.worker_count(3, 8) == 3 and warmup.worker_count(1, 8) == 1
    monkeypatch.setattr(warmup, "_cpu_count", lambda: 64)
    assert warmup.worker_count(None, 8) == warmup.MAX_WORKERS
    monkeypatch.setenv(warmup.WORKERS_ENV, "1")
    assert warmup.worker_count(None, 8) == 1
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert warmup.worker_count(4, 8) == 1


@pytest.mark.parametrize("bad", [0, -2, "two", 1.5, True, None])
def test_bad_worker_counts_are_named_in_the_error(monkeypatch, bad):
    if bad is None:
        monkeypatch.setenv(warmup.WORKERS_ENV, "lots")
        with pytest.raises(ValueError, match=f"{warmup.WORKERS_ENV}.*'lots'"):
            warmup.worker_count(None, 8)
    else:
        with pytest.raises(ValueError, match=re.escape(f"warmup(workers=...) must be a whole number of at "
                                                       f"least 1, got {bad!r}")):
            warmup.worker_count(bad, 8)


def test_workers_get_this_cache_dir_and_can_import_the_engine(monkeypatch):
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", "/somewhere/numba-cache")  # numba loaded: its config wins
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/not/this/one")
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    monkeypatch.setenv("NUMBA_NUM_THREADS", "1")
    env = warmup_pool.worker_env()
    assert env["NUMBA_CACHE_DIR"] == "/somewhere/numba-cache" and env["NUMBA_NUM_THREADS"] == "1"
    assert env["PYTHONPATH"].split(os.pathsep) == [str(Path(warmup.__file__).resolve().parents[3]), "/elsewhere"]
    assert (Path(env["PYTHONPATH"].split(os.pathsep)[0]) / "engine" / "__init__.py").is_file()


_IMPORT = re.compile(r"(?:from\s+engine\.backend\.cpu(?:\.(\w+))?\s+import\s+([\w ,]+))|(?:import\s+engine\.backend\.cpu\.(\w+))")


def _cpu_modules_reached(module: str, seen=None) -> set:
    """The engine.backend.cpu modules `module` imports, directly or through others, itself included."""
    seen = set() if seen is None else seen
    if module in seen:
        return seen
    seen.add(module)
    source = (ROOT / "engine" / "backend" / "cpu" / f"{module}.py").read_text()
    for sub, names, plain in _IMPORT.findall(source):
        candidates = [sub or plain] if (sub or plain) else [n.strip().split(" ")[0] for n in names.split(",")]
        for name in candidates:
            if (ROOT / "engine" / "backend" / "cpu" / f"{name}.py").is_file():
                _cpu_modules_reached(name, seen)
    return seen


def test_no_two_kernel_modules_reach_the_same_numba_kernels():
    """Workers own whole modules; two modules compiling one shared njit function in two processes
    could corrupt its cache index (see the rule in engine/backend/cpu/warmup.py)."""
    def unit_of(full_name):
        group = next((g for g in warmup.COMPILED_TOGETHER if full_name in g), (full_name,))
        return "+".join(sorted(name.rsplit(".", 1)[-1] for name in group))

    owner = {}
    for full_name in warmup.KERNEL_MODULES:
        module = full_name.rsplit(".", 1)[-1]
        for reached in _cpu_modules_reached(module):
            if "njit" not in (ROOT / "engine" / "backend" / "cpu" / f"{reached}.py").read_text():
                continue
            assert owner.setdefault(reached, unit_of(full_name)) == unit_of(full_name), (
                f"{reached}.py has numba kernels reached from both {owner[reached]} and {module}")
    assert owner["act32"] == owner["rnn_steps"] == "rnn"  # the helpers are found
    assert owner["dense"] == "conv+dense"  # shared kernels: one worker compiles both modules


def test_modules_compiled_together_share_a_worker():
    for workers in (2, 3, 4):
        for group in warmup_pool.plan(warmup.KERNEL_MODULES, workers):
            assert ("engine.backend.cpu.conv" in group) == ("engine.backend.cpu.dense" in group)


def test_the_warm_cache_stamp_matches_only_its_own_fingerprint(monkeypatch, tmp_path):
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "cache"))
    assert not warmup._cache_is_warm()
    warmup._mark_cache_warm()
    assert warmup._cache_is_warm() and warmup._stamp_path().parent == tmp_path / "cache"
    monkeypatch.setattr(warmup, "KERNEL_MODULES", warmup.KERNEL_MODULES + ("engine.backend.cpu.new_family",))
    assert not warmup._cache_is_warm()  # a new kernel module makes the cache cold again
    warmup._stamp_path().write_text("[1, 2]")
    assert not warmup._cache_is_warm()  # a damaged stamp is simply not a match
