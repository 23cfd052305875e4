"""Core layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.core.dense import Dense

CATEGORY: dict[str, str] = {"Dense": "Core"}

__all__ = ["Dense"]
