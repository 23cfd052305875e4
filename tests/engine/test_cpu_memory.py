"""Freed array memory stays in the process, so each batch does not page-fault its arrays again."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from engine.backend.cpu import memory

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, resource, sys
import numpy as np
if sys.argv[1] == "engine":
    import engine.backend.cpu  # applies the allocator settings
faults = []
for step in range(6):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(6 * 2**20 // 4, dtype="float32") for _ in range(4)]  # like one batch's big arrays
    del arrays
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps(faults))
"""


def _faults(mode):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _SCRIPT, mode], env=env, capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_repeated_batches_reuse_freed_pages_on_glibc():
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert memory.keep_freed_memory() is glibc
    if not glibc:
        return  # the setting is glibc's; elsewhere the allocator is left as it is (asserted above)
    pages = 4 * 6 * 2**20 // 4096
    with_engine = _faults("engine")
    without = _faults("plain")
    assert max(with_engine[2:]) < pages // 20  # later batches reuse the pages
    assert min(without[2:]) > pages // 5  # without it glibc hands pages back and each batch faults again
