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


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    from engine.models.data_adapter import unpack

    if isinstance(data, list):
        data = tuple(data)
    return unpack(data)


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch tuple Keras builds: x alone as (x,), else (x, y) or (x, y, sample_weight)."""
    if y is None:
        return (x,) if not isinstance(x, tuple) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
