"""The numba cache folder follows the kernel sources, so edited kernels never load stale code."""

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.backend.cpu import kernel_cache

ROOT = Path(__file__).resolve().parents[2]


def test_fingerprint_changes_with_any_kernel_source(monkeypatch, tmp_path):
    (tmp_path / "kernel_cache.py").write_text("# stand-in\n")
    (tmp_path / "act.py").write_text("def f():\n    return 1\n")
    monkeypatch.setattr(kernel_cache, "__file__", str(tmp_path / "kernel_cache.py"))
    before = kernel_cache.sources_fingerprint()
    assert kernel_cache.sources_fingerprint() == before
    (tmp_path / "act.py").write_text("def f():\n    return 2\n")  # an inlined helper changes
    assert kernel_cache.sources_fingerprint() != before


def test_versioned_dir_is_idempotent(tmp_path):
    once = kernel_cache.versioned_dir(tmp_path)
    assert once.parent == tmp_path and once.name.startswith(kernel_cache.PREFIX)
    assert kernel_cache.versioned_dir(once) == once
    stale = tmp_path / (kernel_cache.PREFIX + "0" * 16)
    assert kernel_cache.versioned_dir(stale) == once  # an old version's folder is not reused


def test_backend_import_points_numba_and_children_at_the_versioned_folder(tmp_path):
    script = (
        "import json, os, numba\n"
        "from engine.backend.cpu import dense\n"
        "import numpy as np\n"
        "dense.dense_forward(np.ones((2, 3), 'float32'), np.ones((3, 2), 'float32'), np.ones(2, 'float32'), True, 1)\n"
        "print(json.dumps([os.environ['NUMBA_CACHE_DIR'], numba.config.CACHE_DIR]))\n")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT), STRATA_NO_SHIPPED_KERNELS="1")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    env_dir, numba_dir = json.loads(done.stdout.strip().splitlines()[-1])
    expected = tmp_path / (kernel_cache.PREFIX + kernel_cache.sources_fingerprint())
    assert Path(env_dir) == Path(numba_dir) == expected
    assert list(expected.rglob("dense.bias_activation*.nbi"))  # the kernel was cached there
    assert [p.name for p in tmp_path.iterdir()] == [expected.name]


# --- kernels shipped with the installation ------------------------------------------------

def _shipped(tmp_path, complete=True):
    """A fake shipped base with one version folder holding two kernels' index and data files."""
    from engine.backend.cpu import shipped_kernels

    base = tmp_path / "shipped"
    version = base / (kernel_cache.PREFIX + "ab" * 8)
    folder = version / "cpu_0123"
    folder.mkdir(parents=True)
    for stem in ("dense.f-10.py311", "rnn.g-20.py311"):
        (folder / f"{stem}.nbi").write_bytes(b"index " + stem.encode())
        (folder / f"{stem}.1.nbc").write_bytes(b"code 1")
        (folder / f"{stem}.2.nbc").write_bytes(b"code 2")
    if complete:
        (version / shipped_kernels.COMPLETE).write_text("{}")
    return base, version.name


def test_seed_copies_the_shipped_kernels_of_the_same_version_once(tmp_path, monkeypatch):
    from engine.backend.cpu import shipped_kernels

    monkeypatch.delenv(shipped_kernels.DISABLE_ENV, raising=False)
    base, name = _shipped(tmp_path)
    target = tmp_path / "user" / name
    assert shipped_kernels.seed(target, base) == 6
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert copied == ["cpu_0123/dense.f-10.py311.1.nbc", "cpu_0123/dense.f-10.py311.2.nbc",
                      "cpu_0123/dense.f-10.py311.nbi", "cpu_0123/rnn.g-20.py311.1.nbc",
                      "cpu_0123/rnn.g-20.py311.2.nbc", "cpu_0123/rnn.g-20.py311.nbi", shipped_kernels.SEEDED]
    assert (target / "cpu_0123" / "rnn.g-20.py311.nbi").read_bytes() == b"index rnn.g-20.py311"
    (target / "cpu_0123" / "rnn.g-20.py311.nbi").unlink()
    assert shipped_kernels.seed(target, base) == 0  # seeded once: later starts only look for the marker


def test_seed_keeps_the_kernels_a_user_cache_already_has(tmp_path, monkeypatch):
    from engine.backend.cpu import shipped_kernels

    monkeypatch.delenv(shipped_kernels.DISABLE_ENV, raising=False)
    base, name = _shipped(tmp_path)
    target = tmp_path / "user" / name
    own = target / "cpu_0123"
    own.mkdir(parents=True)
    (own / "dense.f-10.py311.nbi").write_bytes(b"mine")
    assert shipped_kernels.seed(target, base) == 3  # only the other kernel's index and data
    assert (own / "dense.f-10.py311.nbi").read_bytes() == b"mine"
    assert not (own / "dense.f-10.py311.1.nbc").exists()  # no data files next to an index that does not name them
    assert (own / "rnn.g-20.py311.2.nbc").exists()


def test_seed_needs_a_complete_build_of_the_same_version_and_can_be_turned_off(tmp_path, monkeypatch):
    from engine.backend.cpu import shipped_kernels

    monkeypatch.delenv(shipped_kernels.DISABLE_ENV, raising=False)
    base, name = _shipped(tmp_path, complete=False)
    assert shipped_kernels.seed(tmp_path / "user" / name, base) == 0  # an interrupted build is never used
    base, name = _shipped(tmp_path / "second")
    other_version = tmp_path / "user" / (kernel_cache.PREFIX + "cd" * 8)
    assert shipped_kernels.seed(other_version, base) == 0 and not other_version.exists()
    monkeypatch.setenv(shipped_kernels.DISABLE_ENV, "1")
    assert shipped_kernels.seed(tmp_path / "user" / name, base) == 0
    assert not (tmp_path / "user" / name).exists()


def test_a_fresh_cache_loads_the_shipped_kernels_instead_of_compiling(tmp_path):
    """Build a shipped cache of one kernel module for real, then a fresh process with an empty
    NUMBA_CACHE_DIR runs that module's kernels without compiling them."""
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    build = ("import os\n"
             "from engine.backend.cpu import shipped_kernels, warmup\n"
             "warmup.KERNEL_MODULES = ('engine.backend.cpu.optim_kernels',)\n"
             f"shipped_kernels.build(workers=1, base={str(shipped)!r})\n")
    use = ("import json, os, pathlib\n"
           "from engine.backend.cpu import shipped_kernels\n"
           "del os.environ['STRATA_NO_SHIPPED_KERNELS']\n"
           f"copied = shipped_kernels.seed(pathlib.Path(os.environ['NUMBA_CACHE_DIR']), pathlib.Path({str(shipped)!r}))\n"
           "from engine.backend.cpu import optim_kernels\n"
           "for job in optim_kernels.WARMUP:\n"
           "    job()\n"
           "stats = [f.stats for f in vars(optim_kernels).values() if hasattr(f, 'stats')]\n"
           "print(json.dumps([copied, sum(sum(s.cache_hits.values()) for s in stats), "
           "sum(sum(s.cache_misses.values()) for s in stats)]))\n")
    base_env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", build], env=dict(base_env, NUMBA_CACHE_DIR=str(tmp_path / "unused")),
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    assert list(shipped.rglob("optim_kernels.*.nbi"))
    env = dict(base_env, NUMBA_CACHE_DIR=str(user), STRATA_NO_SHIPPED_KERNELS="1")  # seeded by the script only
    done = subprocess.run([sys.executable, "-c", use], env=env, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    copied, hits, misses = json.loads(done.stdout.strip().splitlines()[-1])
    assert copied > 0 and hits > 0 and misses == 0


def test_building_the_shipped_kernels_prunes_only_other_versions_of_its_own_folder(tmp_path):
    from engine.backend.cpu import shipped_kernels

    keep = tmp_path / (kernel_cache.PREFIX + "ab" * 8)
    old = tmp_path / (kernel_cache.PREFIX + "cd" * 8)
    other = tmp_path / "unrelated"
    for folder in (keep, old, other):
        (folder / "cpu_1").mkdir(parents=True)
        (folder / "cpu_1" / "k.nbi").write_bytes(b"x")
    assert shipped_kernels.prune_other_versions(keep) == [old.name]
    assert (keep / "cpu_1" / "k.nbi").exists() and (other / "cpu_1" / "k.nbi").exists() and not old.exists()
