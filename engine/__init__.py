"""Strata's deep-learning engine: a Keras-compatible API on numpy and numba.

    from engine import keras, tf

`keras` is the Keras 3 style namespace and `tf` the subset of TensorFlow the Keras guide
uses. Importing `engine` is cheap: submodules load on first access, kernels compile on
first use or in `engine.backend.warmup()`.
"""

from engine.version import __version__

__all__ = ["keras", "tf", "__version__"]


def __getattr__(name):
    if name in ("keras", "tf"):
        import importlib

        module = importlib.import_module(f"engine.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
