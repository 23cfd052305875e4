"""Runs `engine.backend.cpu.warmup.run` over the fake kernel modules; prints one JSON line.

`python -m tests.engine.warmup_fakes.drive WORKERS TIMEOUT_S [frozen] [cancel]`: the output holds
the progress calls, the log warnings, this process's id, how many worker processes were started
and how many still run; `frozen` sets sys.frozen, `cancel` raises from the first progress call.
"""

import json
import logging
import os
import subprocess
import sys

from engine.backend.cpu import warmup, warmup_pool

FAKES = ("tests.engine.warmup_fakes.fake_kernels_a", "tests.engine.warmup_fakes.fake_kernels_b")


def main(argv):
    os.environ["STRATA_TEST_WARMUP_PARENT"] = str(os.getpid())
    warmup.KERNEL_MODULES = FAKES
    if "frozen" in argv[2:]:
        sys.frozen = True
    started = []
    real_popen = subprocess.Popen

    def counting_popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process)
        return process

    warmup_pool.subprocess.Popen = counting_popen
    warnings = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())
    logging.getLogger(warmup_pool.__name__).addHandler(handler)
    progress = []

    def report(done, total):
        progress.append([done, total])
        if "cancel" in argv[2:]:
            raise KeyboardInterrupt("cancelled")

    cancelled = False
    try:
        warmup.run(report, workers=int(argv[0]), timeout_s=float(argv[1]))
    except KeyboardInterrupt:
        cancelled = True
    print(json.dumps({"progress": progress, "warnings": warnings, "parent": os.getpid(), "cancelled": cancelled,
                      "workers_started": len(started),
                      "workers_left_running": sum(p.poll() is None for p in started)}))


if __name__ == "__main__":
    main(sys.argv[1:])
