"""Models: `Model`, functional graphs, `Sequential`, and loading saved models."""

from engine.models.model import Model
from engine.models.functional import Functional
from engine.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a `.keras` file written by `model.save` (ours or real Keras 3)."""
    from engine.saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


__all__ = ["Model", "Functional", "Sequential", "load_model"]
