"""Automatic layer names: `dense`, `dense_1`, ... per snake_case class name, as in Keras."""

from __future__ import annotations

import re
from collections import defaultdict

_name_counts: dict[str, int] = defaultdict(int)


def snake_case(name: str) -> str:
    """CamelCase class name to the snake_case base of auto layer names."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """`dense`, then `dense_1`, `dense_2`... for each base name."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Forget auto-name counters so names start again at `dense`."""
    _name_counts.clear()
