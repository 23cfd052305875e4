"""One training epoch in each framework, timed the same way (batch 64, Adam, shuffled)."""

from __future__ import annotations

import time

import numpy as np

from bench.workloads import BATCH


def ours_epoch(model, x, y) -> float:
    """Seconds for one `fit` epoch of our model."""
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - start


def make_torch_trainer(module):
    """A function (x_tensor, y_tensor) -> seconds for one epoch of `module` with Adam(1e-3)."""
    import torch

    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(x, y):
        start = time.perf_counter()
        order = torch.randperm(x.shape[0])
        for i in range(0, x.shape[0], BATCH):
            idx = order[i:i + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(module(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    return epoch


def best_epoch_times(workload, repeats=3):
    """(ours, torch) best epoch seconds of `repeats`, after one untimed warm-up epoch each.

    The two frameworks' epochs alternate, so a change in the machine's load hits both alike;
    the best rather than the median is kept, because on a shared machine the slower runs
    measure the neighbours' load more than the frameworks.
    """
    import torch

    x, y = workload.data()
    model = workload.build_ours()
    torch.manual_seed(0)
    trainer = make_torch_trainer(workload.build_torch())
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ours_epoch(model, x, y)
    trainer(xt, yt)
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(ours_epoch(model, x, y))
        theirs.append(trainer(xt, yt))
    return float(np.min(ours)), float(np.min(theirs))
