"""Subprocess probes: peak memory of a training run and first-batch latency.

Run as `python -m bench.probe memory|first_batch WORKLOAD ours|torch`; prints one JSON line.
Each probe is its own process so peaks and kernel caches do not leak between runs.
"""

from __future__ import annotations

import json
import sys
import time


def _status_kib(field):
    """A memory field of /proc/self/status in KiB (VmRSS now, VmHWM the peak of this process).

    VmHWM rather than getrusage's ru_maxrss, which a child inherits from its parent.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _rss_kib():
    return _status_kib("VmRSS")


def main(argv):
    from bench.threads import pin_threads

    kind, name, framework = argv[:3]
    threads = int(argv[3]) if len(argv) > 3 else 2
    pin_threads(threads)
    import numpy as np  # noqa: F401

    from bench.train import make_torch_trainer, ours_epoch
    from bench.workloads import BATCH, REGISTRY

    workload = REGISTRY[name]
    if framework == "torch":
        import torch

        from bench.threads import pin_torch

        pin_torch(threads)
    else:
        import engine  # noqa: F401
    x, y = workload.data()
    result = {}
    if kind == "memory":
        if framework == "ours":
            model = workload.build_ours()
            model.train_on_batch(x[:BATCH], y[:BATCH])  # load the compiled kernels first
            before = _rss_kib()
            ours_epoch(model, x, y)
        else:
            module = workload.build_torch()
            trainer = make_torch_trainer(module)
            xt, yt = torch.from_numpy(x), torch.from_numpy(y)
            trainer(xt[:BATCH], yt[:BATCH])
            before = _rss_kib()
            trainer(xt, yt)
        peak = _status_kib("VmHWM")
        result = {"peak_rss_mib": peak / 1024, "growth_mib": max(peak - before, 0) / 1024}
    elif kind == "first_batch":
        xb, yb = x[:BATCH], y[:BATCH]
        if framework == "ours":
            model = workload.build_ours()
            start = time.perf_counter()
            model.train_on_batch(xb, yb)
        else:
            import torch

            module = workload.build_torch()
            optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
            start = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(module(torch.from_numpy(xb)), torch.from_numpy(yb))
            loss.backward()
            optimizer.step()
        result = {"seconds": time.perf_counter() - start}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
