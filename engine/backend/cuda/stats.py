"""Counters of host<->device copies, so tests and users can see round trips."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_counts = {"to_device": 0, "to_host": 0, "bytes_to_device": 0, "bytes_to_host": 0, "fallbacks": 0}
_fallback_names: dict[str, int] = {}


def count(direction: str, nbytes: int) -> None:
    """Record one copy in `direction` ("to_device" or "to_host")."""
    with _lock:
        _counts[direction] += 1
        _counts["bytes_" + direction] += int(nbytes)


def count_fallback(name: str) -> None:
    """Record that `name` ran on the host because no CUDA kernel exists for it yet."""
    with _lock:
        _counts["fallbacks"] += 1
        _fallback_names[name] = _fallback_names.get(name, 0) + 1


def snapshot() -> dict:
    """Copy of the counters plus which functions fell back to the host."""
    with _lock:
        out = dict(_counts)
        out["fallback_names"] = dict(_fallback_names)
        return out


def reset() -> None:
    """Zero every counter."""
    with _lock:
        for key in _counts:
            _counts[key] = 0
        _fallback_names.clear()
