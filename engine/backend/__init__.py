"""Where arrays live and which kernels touch them.

Ops never call numpy or numba directly for heavy work: they ask the backend that owns
their arrays (`backend_of(array)`) or the current device's backend (`current()`).
The CPU backend is numpy plus numba kernels; the CUDA backend mirrors its interface.
Kernels compile lazily on first use or in `warmup()`, never at import.
"""

from __future__ import annotations

import contextlib
import threading

from engine.backend.base import Backend

_registry: dict[str, Backend] = {}
_state = threading.local()


def register(backend: Backend) -> None:
    """Make a backend available by its name (``"cpu"``, ``"cuda"``)."""
    _registry[backend.name] = backend


def get(name: str) -> Backend:
    """Return the backend called `name`, raising a clear error when it cannot run here."""
    name = _normalise(name)
    if name == "cpu":
        from engine.backend import cpu  # noqa: F401  (registers itself)
    elif name == "cuda":
        from engine.backend import cuda as cuda_pkg

        cuda_pkg.ensure_available()
    if name not in _registry:
        raise ValueError(f"Unknown device {name!r}. Expected 'cpu' or 'cuda'.")
    return _registry[name]


def _normalise(name: str) -> str:
    name = str(name).lower().strip()
    if name.startswith("/"):
        name = name.rsplit("device:", 1)[-1]
    name = name.split(":", 1)[0]
    return {"gpu": "cuda"}.get(name, name)


def current() -> Backend:
    """The backend of the innermost active `device(...)` scope; the CPU by default."""
    stack = getattr(_state, "stack", None)
    if stack:
        return stack[-1]
    return get("cpu")


@contextlib.contextmanager
def device(name: str):
    """Place new variables and computation on `name` (``"cpu"`` or ``"cuda"``)."""
    backend = get(name)
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    stack.append(backend)
    try:
        yield backend
    finally:
        stack.pop()


def backend_of(array) -> Backend:
    """The backend that owns `array` (numpy arrays belong to the CPU)."""
    for backend in _registry.values():
        if backend.owns(array):
            return backend
    return get("cpu")


def warmup(progress=None, workers=None) -> None:
    """Compile every CPU kernel (float32 and float64) ahead of time into numba's cache.

    `progress(done, total)` is called once per warm-up job; an exception it raises stops the
    warm-up. With a cold cache the kernels compile in `workers` parallel processes (None: one per
    CPU, up to 4, or the STRATA_WARMUP_WORKERS variable; 1: in this process), then load here.
    """
    from engine.backend.cpu import warmup as cpu_warmup

    cpu_warmup.run(progress, workers=workers)
