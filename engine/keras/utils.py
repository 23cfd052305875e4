"""`keras.utils`."""

import numpy as np

from engine.random import set_seed as set_random_seed  # noqa: F401


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer labels to one-hot rows."""
    y = np.asarray(y, dtype="int64").reshape(-1)
    n = int(num_classes) if num_classes is not None else int(y.max()) + 1
    out = np.zeros((len(y), n), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out
