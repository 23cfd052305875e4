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
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    env_dir, numba_dir = json.loads(done.stdout.strip().splitlines()[-1])
    expected = tmp_path / (kernel_cache.PREFIX + kernel_cache.sources_fingerprint())
    assert Path(env_dir) == Path(numba_dir) == expected
    assert list(expected.rglob("dense.bias_activation*.nbi"))  # the kernel was cached there
    assert [p.name for p in tmp_path.iterdir()] == [expected.name]
