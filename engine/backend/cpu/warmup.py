"""Ahead-of-time compilation of the CPU kernels, so the first batch is fast."""

from __future__ import annotations

import importlib

# Each kernel module lists its warm-up entry points in a `WARMUP` tuple of callables.
KERNEL_MODULES: tuple[str, ...] = (
    "engine.backend.cpu.conv",
    "engine.backend.cpu.pooling",
    "engine.backend.cpu.rnn",
    "engine.backend.cpu.dense",
    "engine.backend.cpu.norm",
    "engine.backend.cpu.embedding",
    "engine.backend.cpu.losses_kernels",
    "engine.backend.cpu.optim_kernels",
)


def run(progress=None) -> None:
    """Import every kernel module and call its warm-up functions."""
    jobs = []
    for name in KERNEL_MODULES:
        module = importlib.import_module(name)
        jobs.extend(getattr(module, "WARMUP", ()))
    for done, job in enumerate(jobs, 1):
        job()
        if progress is not None:
            progress(done, len(jobs))
