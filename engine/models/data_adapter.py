"""Turning what `fit`/`evaluate`/`predict` receive into batches.

Accepted: numpy arrays, tensors, lists and dicts of them (matched to the model's inputs
by position or Input name), and iterables or generators yielding `x`, `(x, y)` or
`(x, y, sample_weight)` batches.
"""

from __future__ import annotations

import math

import numpy as np

from engine.autodiff.tensor import Tensor
from engine.layers.symbolic import flatten, map_structure


def to_numpy_structure(data):
    """Convert every leaf to a numpy array (None stays None)."""
    def conv(v):
        if v is None:
            return None
        if isinstance(v, Tensor):
            return v.numpy()
        array = np.asarray(v)
        if array.dtype == object:
            raise ValueError(f"Data of type {type(v).__name__} could not be converted to a numeric array.")
        return array

    return map_structure(conv, data)


def num_samples(structure) -> int:
    """Number of samples shared by every array of the structure."""
    sizes = {int(a.shape[0]) for a in flatten(structure) if a is not None and np.ndim(a) > 0}
    if not sizes:
        raise ValueError("Could not infer the number of samples: the data holds no arrays.")
    if len(sizes) > 1:
        shapes = [tuple(a.shape) for a in flatten(structure) if a is not None]
        raise ValueError(f"Data arrays must all have the same number of samples. Received shapes: {shapes}")
    return sizes.pop()


def take(structure, index):
    """Rows `index` (a slice or an index array) of every array in the structure."""
    return map_structure(lambda a: None if a is None else a[index], structure)


def is_array_data(x) -> bool:
    """Whether `x` is in-memory arrays (rather than a generator or dataset of batches)."""
    leaves = flatten(x)
    return bool(leaves) and all(
        isinstance(v, (np.ndarray, Tensor, list, float, int)) or v is None for v in leaves
    )


def unpack(batch):
    """Split a yielded batch into (x, y, sample_weight)."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"A data batch must be x, (x, y) or (x, y, sample_weight). Received a tuple of {len(batch)}.")
    return batch, None, None


class ArrayBatches:
    """Batches over in-memory arrays, optionally shuffled each epoch."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None):
        self.x, self.y, self.sample_weight = to_numpy_structure(x), to_numpy_structure(y), to_numpy_structure(sample_weight)
        self.size = num_samples((self.x, self.y, self.sample_weight))
        if batch_size is None:
            batch_size = 32
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer. Received: batch_size={batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps = math.ceil(self.size / self.batch_size) if steps is None else int(steps)

    def __len__(self):
        return self.steps

    def epoch(self, rng=None):
        """Yield (x, y, sample_weight) batches for one epoch."""
        if self.shuffle:
            order = (rng or np.random).permutation(self.size)
        else:
            order = None
        for step in range(self.steps):
            start = (step * self.batch_size) % max(self.size, 1)
            stop = min(start + self.batch_size, self.size)
            index = slice(start, stop) if order is None else order[start:stop]
            yield take(self.x, index), take(self.y, index), take(self.sample_weight, index)


class IterableBatches:
    """Batches from an iterable that can be iterated again each epoch (or a generator, once)."""

    def __init__(self, data, steps=None):
        self.data = data
        self.steps = steps
        try:
            self._length = len(data) if steps is None else int(steps)
        except TypeError:
            self._length = steps

    def __len__(self):
        return self._length if self._length is not None else 0

    def epoch(self, rng=None):
        for i, batch in enumerate(self.data):
            if self.steps is not None and i >= self.steps:
                break
            x, y, w = unpack(batch)
            yield to_numpy_structure(x), to_numpy_structure(y), to_numpy_structure(w)


def make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None):
    """ArrayBatches for arrays, IterableBatches for datasets and generators."""
    if x is None:
        raise ValueError("No data was given: pass x (and y) to fit/evaluate/predict.")
    if is_array_data(x) or isinstance(x, dict):
        return ArrayBatches(x, y, sample_weight, batch_size, shuffle, steps)
    if y is not None:
        raise ValueError("When x is a dataset or generator, y must be None (the batches carry the targets).")
    return IterableBatches(x, steps)


def split_validation(x, y, sample_weight, fraction):
    """Hold out the last `fraction` of samples, as Keras does (before shuffling)."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1). Received: validation_split={fraction}")
    x, y, sample_weight = to_numpy_structure(x), to_numpy_structure(y), to_numpy_structure(sample_weight)
    n = num_samples((x, y, sample_weight))
    cut = int(math.floor(n * (1 - fraction)))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={fraction} leaves no samples on one side with {n} samples.")
    train = (take(x, slice(0, cut)), take(y, slice(0, cut)), take(sample_weight, slice(0, cut)))
    val = (take(x, slice(cut, n)), take(y, slice(cut, n)), take(sample_weight, slice(cut, n)))
    return train, val
