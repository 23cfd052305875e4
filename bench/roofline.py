"""Roofline fraction of a workload: its training FLOP/s against numpy GEMM FLOP/s on the same shapes.

Every dense, convolution and recurrent layer is counted as the GEMMs an im2col
formulation would run per batch: the forward product, the data gradient (except for the
first layer, whose input needs none) and the weight gradient, 2*m*k*n FLOPs each. A conv
is (batch * output positions, taps * in_channels / groups) @ (.., out_channels / groups)
per group; a recurrent layer is one input projection over all steps plus one
(batch, units) @ (units, gates * units) product per step. The shapes are read from the
PyTorch twin of the workload (forward hooks on one batch), which has the same layers.

numpy times the same products (each orientation as the backward pass needs it, grouped
convs as one stacked `np.matmul`), so `fraction = numpy seconds / epoch seconds` is the
achieved FLOP/s over what numpy's BLAS reaches on those shapes; pooling, normalization
and element-wise work count as time but not as FLOPs. A fraction above 1 means the
framework beats numpy on those shapes: a depthwise conv is 96 products of (positions, 9)
@ (9, 1), which numpy's stacked matmul runs far below BLAS speed, and the direct kernels do not.
numpy is timed (best of 15) after the epochs, so on a loaded machine the fraction moves with
the load between the two; read it next to the load.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from bench.workloads import BATCH


@dataclass(frozen=True)
class Gemm:
    """`count` products (groups, m, k) @ (groups, k, n) of one layer, and whether the data
    gradient (m, n) @ (n, k) is needed."""

    groups: int
    m: int
    k: int
    n: int
    count: int = 1
    data_grad: bool = True

    @property
    def flops(self) -> int:
        """Forward, data and weight gradient FLOPs of all `count` products."""
        passes = 3 if self.data_grad else 2
        return passes * 2 * self.groups * self.m * self.k * self.n * self.count


def gemms_of(workload) -> list[Gemm]:
    """The GEMMs of one training batch of `workload`, from its PyTorch model's layer shapes."""
    import torch
    from torch import nn

    model = workload.build_torch()
    found = []

    def hook(module, inputs, output):
        found.append(_module_gemms(module, inputs[0], output, first=not found))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.LSTM, nn.GRU, nn.RNN))]
    x, _ = workload.data()
    with torch.no_grad():
        model(torch.from_numpy(x[:BATCH]))
    for handle in handles:
        handle.remove()
    return [g for layer in found for g in layer]


def _module_gemms(module, x, output, first):
    from torch import nn

    if isinstance(module, nn.Linear):
        rows = math.prod(x.shape[:-1])
        return [Gemm(1, rows, module.in_features, module.out_features, data_grad=not first)]
    if isinstance(module, (nn.LSTM, nn.GRU, nn.RNN)):
        gates = {nn.LSTM: 4, nn.GRU: 3, nn.RNN: 1}[type(module)]
        batch, steps = (x.shape[0], x.shape[1]) if module.batch_first else (x.shape[1], x.shape[0])
        units = module.hidden_size
        return [Gemm(1, batch * steps, module.input_size, gates * units, data_grad=not first),
                Gemm(1, batch, units, gates * units, count=steps)]
    out = output
    groups = module.groups
    positions = math.prod(out.shape[2:])
    taps = math.prod(module.kernel_size)
    return [Gemm(groups, out.shape[0] * positions, taps * module.in_channels // groups,
                 module.out_channels // groups, data_grad=not first)]


def _best(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def numpy_seconds(gemms, repeats=15) -> float:
    """Seconds numpy (float32, its BLAS as configured) takes for the products of `gemms`."""
    rng = np.random.default_rng(0)
    total = 0.0
    for g in gemms:
        a = rng.normal(size=(g.groups, g.m, g.k)).astype("float32")
        w = rng.normal(size=(g.groups, g.k, g.n)).astype("float32")
        dz = rng.normal(size=(g.groups, g.m, g.n)).astype("float32")
        if g.groups == 1:
            a, w, dz = a[0], w[0], dz[0]
        t = np.swapaxes

        def products():
            np.matmul(a, w)
            np.matmul(t(a, -1, -2), dz)
            if g.data_grad:
                np.matmul(dz, t(w, -1, -2))

        total += _best(products, repeats) * g.count
    return total


def roofline(workload, epoch_seconds) -> dict:
    """FLOPs per epoch, numpy's GFLOP/s on the workload's GEMMs, and for each framework in
    `epoch_seconds` ({"ours": s, "torch": s}) its GFLOP/s and fraction of numpy's."""
    gemms = gemms_of(workload)
    batches = -(-workload.samples // BATCH)
    flops = sum(g.flops for g in gemms) * batches
    reference = numpy_seconds(gemms) * batches
    result = {"gflop_per_epoch": flops / 1e9, "numpy_gflops": flops / reference / 1e9}
    for name, seconds in epoch_seconds.items():
        result[f"{name}_gflops"] = flops / seconds / 1e9
        result[f"{name}_fraction"] = reference / seconds
    return result
