"""A tiny kernel module for the warm-up tests: two jobs, each compiling one numba kernel.

Every job appends "PID" (or "PID cached" when numba loaded the kernel from its cache instead of
compiling it) to the file named by STRATA_TEST_WARMUP_LOG.
"""

import os
import sys

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def triple(x):
    return x * 3


def _job(dtype):
    def job():
        fails_in = os.environ.get("STRATA_TEST_WARMUP_FAIL_IN_WORKER_OF")
        in_worker = str(os.getpid()) != os.environ.get("STRATA_TEST_WARMUP_PARENT")
        if in_worker and fails_in == __name__.rsplit(".", 1)[-1]:
            sys.exit(3)
        if in_worker and os.environ.get("STRATA_TEST_WARMUP_HANG_IN_WORKER") == "1":
            import time

            time.sleep(120)
        misses = sum(triple.stats.cache_misses.values())
        triple(np.ones(2, dtype))
        cached = "compiled" if sum(triple.stats.cache_misses.values()) > misses else "cached"
        with open(os.environ["STRATA_TEST_WARMUP_LOG"], "a") as log:
            log.write(f"{__name__.rsplit('.', 1)[-1]} {np.dtype(dtype).name} {os.getpid()} {cached}\n")
    return job


WARMUP = (_job(np.float32), _job(np.float64))
