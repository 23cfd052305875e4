"""Random number generation with a global seed, like keras.utils.set_random_seed."""

from __future__ import annotations

import numpy as np

_global = np.random.default_rng()


def set_seed(seed: int) -> None:
    """Reset the global generator so initial weights, dropout and shuffling repeat."""
    global _global
    _global = np.random.default_rng(seed)
    np.random.seed(seed % (2**32))


def generator(seed=None) -> np.random.Generator:
    """The global generator, or a fresh one when a seed is given."""
    if seed is None:
        return _global
    return np.random.default_rng(seed)
