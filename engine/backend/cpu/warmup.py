"""Ahead-of-time compilation of the CPU kernels, so the first batch is fast."""

from __future__ import annotations

import importlib

# Each kernel module lists its warm-up entry points in a `WARMUP` tuple of callables.
KERNEL_MODULES: tuple[str, ...] = (
    "engine.backend.cpu.conv",
    "engine.backend.cpu.pooling",
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
