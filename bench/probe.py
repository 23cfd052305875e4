"""Subprocess probes: peak memory of a training run and first-batch latency.

Run as `python -m bench.probe memory|first_batch WORKLOAD ours|torch`; prints one JSON line.
Each probe is its own process so peaks and kernel caches do not leak between runs.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _rss_kib():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() // 1024


def main(argv):
    from bench.threads import pin_threads

    pin_threads()
    kind, name, framework = argv
    import numpy as np  # noqa: F401

    from bench.train import make_torch_trainer, ours_epoch
    from bench.workloads import BATCH, REGISTRY

    workload = REGISTRY[name]
    if framework == "torch":
        import torch

        from bench.threads import pin_torch

        pin_torch()
    else:
        import engine  # noqa: F401
    x, y = workload.data()
    result = {}
    if kind == "memory":
        if framework == "ours":
            model = workload.build_ours()
            before = _rss_kib()
            ours_epoch(model, x, y)
        else:
            module = workload.build_torch()
            trainer = make_torch_trainer(module)
            xt, yt = torch.from_numpy(x), torch.from_numpy(y)
            before = _rss_kib()
            trainer(xt, yt)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
