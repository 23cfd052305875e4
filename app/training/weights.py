"""Weight snapshots and re-initialisation (Reset weights), without Qt."""

from __future__ import annotations

import numpy as np


def snapshot(model) -> list[np.ndarray]:
    """A copy of every weight of `model`."""
    return [np.array(w, copy=True) for w in model.get_weights()]


def restore(model, weights) -> None:
    """Put a snapshot back."""
    model.set_weights(weights)


def reinitialize(model, seed=None) -> None:
    """Draw fresh initial weights for every layer, repeatably for a given seed.

    A variable named `kernel` is redrawn with the layer's `kernel_initializer` (likewise
    bias, gamma, beta, moving_mean, ...); variables without a matching initializer keep
    the engine defaults: glorot_uniform for matrices, zeros for vectors.
    """
    from engine import initializers
    from engine.random import set_seed

    if seed is not None:
        set_seed(int(seed))
    for layer in model._flatten_layers():
        for variable in layer._own_variables():
            base = variable.name.split("/")[-1].split(":")[0]
            init = getattr(layer, f"{base}_initializer", None)
            if init is None:
                init = "glorot_uniform" if len(variable.shape) >= 2 else "zeros"
            value = initializers.get(init)(tuple(variable.shape), dtype=variable.dtype)
            variable.assign(np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=variable.dtype))
