"""Optimizers by name or instance, as `model.compile(optimizer=...)` takes them."""

from __future__ import annotations

from engine.optimizers.adam import Adam, AdamW
from engine.optimizers.adaptive import Adadelta, Adamax, Lion, Nadam
from engine.optimizers.base import Optimizer
from engine.optimizers.rmsprop import Adagrad, RMSprop
from engine.optimizers.sgd import SGD
from engine.optimizers import schedules

ALIASES = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad,
           "adamax": Adamax, "nadam": Nadam, "adadelta": Adadelta, "lion": Lion}


def register(name: str, cls) -> None:
    """Make `cls` available by `name` in `get` (used by modules adding optimizers)."""
    ALIASES[name.lower()] = cls


def get(identifier):
    """An Optimizer from a name, a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        name = identifier.get("class_name", "").lower()
        if name not in ALIASES:
            raise ValueError(f"Unknown optimizer: {identifier.get('class_name')!r}")
        return ALIASES[name].from_config(identifier.get("config", {}))
    if isinstance(identifier, str) and identifier.lower() in ALIASES:
        return ALIASES[identifier.lower()]()
    raise ValueError(f"Unknown optimizer: {identifier!r}. Known: {', '.join(sorted(ALIASES))}")


def serialize(optimizer):
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Nadam", "Adadelta", "Lion", "schedules", "get", "serialize", "register"]
