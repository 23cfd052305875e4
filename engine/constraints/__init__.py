"""Weight constraints applied after each optimizer step."""

from __future__ import annotations

import numpy as np


class Constraint:
    """Callable `(weight array) -> projected array`."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class NonNeg(Constraint):
    """Clamp weights at zero from below."""

    def __call__(self, w):
        return np.maximum(w, 0)


class MaxNorm(Constraint):
    """Rescale so the norm along `axis` is at most `max_value`."""

    def __init__(self, max_value=2.0, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True))
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(Constraint):
    """Rescale to unit norm along `axis`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True)))

    def get_config(self):
        return {"axis": self.axis}


_BY_NAME = {"non_neg": NonNeg, "NonNeg": NonNeg, "max_norm": MaxNorm, "MaxNorm": MaxNorm,
            "unit_norm": UnitNorm, "UnitNorm": UnitNorm}


def get(identifier):
    """A constraint from a name, config dict or instance."""
    if identifier is None or isinstance(identifier, Constraint) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    if identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown constraint: {identifier!r}")


def serialize(constraint):
    if constraint is None:
        return None
    return {"module": "keras.constraints", "class_name": type(constraint).__name__,
            "config": constraint.get_config(), "registered_name": None}
