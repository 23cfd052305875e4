"""`Normalization`: shifts and scales features to mean 0 and variance 1 with stored statistics."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.layer import Layer

EPSILON = 1e-7  # the floor of the standard deviation (Keras' backend epsilon)


class Normalization(Layer):
    """Computes `(inputs - mean) / sqrt(variance)` per feature; `invert=True` undoes it.

    The statistics are either given (`mean`, `variance`: numbers or arrays broadcast over the
    kept axes, stored in the config) or learned from data with `adapt(data)` before training
    (then stored as the non-trainable weights `mean`, `variance` and `count`, which are saved and
    never changed by training; `count` stays 0, as in Keras, which keeps it only for old files).
    Each `adapt` starts afresh.

    Args:
        axis: the axis or axes that keep separate statistics (default -1, the features);
            None gives one mean and variance for everything. The kept axes must have known sizes.
        mean, variance: the statistics, both or neither.
        invert: compute `mean + inputs * sqrt(variance)` instead.

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                                                     for a in axis):
            axis = tuple(int(a) for a in axis)
        else:
            raise TypeError(f"Normalization: axis must be None, an int or a list of ints. Received: axis={axis!r}")
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both mean and variance, or neither. Received: mean={mean!r}, "
                             f"variance={variance!r}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization: mean and variance must have the same shape. Received shapes "
                                 f"{np.shape(mean)} and {np.shape(variance)}.")
            if np.ndim(mean) > len(axis):
                raise ValueError(f"Normalization: mean has rank {np.ndim(mean)}, more than the {len(axis)} kept "
                                 f"axes axis={list(axis)}.")
            if np.any(np.asarray(variance, dtype=np.float64) < 0):
                raise ValueError("Normalization: variance must not be negative.")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.adapt_mean = self.adapt_variance = self.count = None

    # -- shapes ------------------------------------------------------------------------------------
    def _kept_axes(self, rank):
        for a in self.axis:
            if not -rank <= a < rank:
                raise ValueError(f'Layer "{self.name}": axis {list(self.axis)} is out of range for inputs of rank '
                                 f"{rank}.")
        return tuple(sorted(a % rank for a in self.axis))

    def build(self, input_shape):
        rank = len(input_shape)
        self._keep = self._kept_axes(rank)
        for a in self._keep:
            if input_shape[a] is None:
                raise ValueError(f'Layer "{self.name}": the kept axis {a} of input shape {tuple(input_shape)} must '
                                 "have a known size.")
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep else 1 for a in range(rank))
        stats_shape = tuple(input_shape[a] for a in self._keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stats_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stats_shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros",
                                         trainable=False)
        else:
            self._fixed = (self._place(np.asarray(self.input_mean, dtype=np.float64), rank),
                           self._place(np.asarray(self.input_variance, dtype=np.float64), rank))
        self.built = True

    def _place(self, value, rank):
        """A given statistic aligned right-to-left with the kept axes, broadcast to them."""
        shape = [1] * rank
        for i in range(1, value.ndim + 1):
            shape[self._keep[-i]] = value.shape[-i]
        try:
            return np.broadcast_to(value.reshape(shape), self._broadcast_shape)
        except ValueError:
            raise ValueError(f'Layer "{self.name}": mean/variance of shape {value.shape} do not broadcast to the '
                             f"kept axes {list(self.axis)} (sizes {self._broadcast_shape}).") from None

    def _statistics(self, dtype):
        if self.input_mean is not None:
            mean, variance = self._fixed
        else:
            mean = np.reshape(self.adapt_mean.numpy(), self._broadcast_shape)
            variance = np.reshape(self.adapt_variance.numpy(), self._broadcast_shape)
        return mean.astype(dtype), np.maximum(np.sqrt(variance), EPSILON).astype(dtype)

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        mean, std = self._statistics(self.compute_dtype)
        if self.invert:
            return ops.add(ops.multiply(x, std), mean)
        return ops.divide(ops.subtract(x, mean), std)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # -- adapt -------------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Set `mean` and `variance` from `data`: an array, or an iterable of array batches.

        `batch_size`/`steps` limit how much of an array (or how many batches) is read.
        """
        if self.input_mean is not None:
            raise ValueError(f'Layer "{self.name}": mean and variance were given; adapt() would overwrite them.')
        batches = _batches(data, batch_size, steps, self.name)
        total = mean = m2 = None
        for batch in batches:
            if not self.built:
                self.build((None,) + tuple(batch.shape[1:]))
            if batch.ndim != len(self._broadcast_shape) or any(
                    batch.shape[a] != self._broadcast_shape[a] for a in self._keep):
                raise ValueError(f'Layer "{self.name}": adapt() data of shape {batch.shape} does not match the '
                                 f"layer's kept axes {list(self.axis)} (sizes {self._broadcast_shape}).")
            reduce = tuple(a for a in range(batch.ndim) if a not in self._keep)
            n = int(np.prod([batch.shape[a] for a in reduce])) if reduce else 1
            if n == 0:
                continue
            b_mean = batch.mean(axis=reduce)
            b_m2 = ((batch - batch.mean(axis=reduce, keepdims=True)) ** 2).sum(axis=reduce)
            if total is None:
                total, mean, m2 = n, b_mean, b_m2
            else:  # Chan et al.'s pairwise update of mean and sum of squared deviations
                delta = b_mean - mean
                new_total = total + n
                mean = mean + delta * (n / new_total)
                m2 = m2 + b_m2 + delta ** 2 * (total * n / new_total)
                total = new_total
        if total is None:
            raise ValueError(f'Layer "{self.name}": adapt() received no data.')
        self.adapt_mean.assign(np.asarray(mean, dtype=self.adapt_mean.dtype).reshape(self.adapt_mean.shape))
        self.adapt_variance.assign(np.asarray(m2 / total, dtype=self.adapt_variance.dtype)
                                   .reshape(self.adapt_variance.shape))

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": list(self.axis),
            "invert": self.invert,
            "mean": None if self.input_mean is None else np.asarray(self.input_mean).tolist(),
            "variance": None if self.input_variance is None else np.asarray(self.input_variance).tolist(),
        })
        return config


def _batches(data, batch_size, steps, name):
    """Float64 numpy batches of `data` (an array/Tensor, or an iterable of them or of (x, y) pairs)."""
    if hasattr(data, "numpy") and not isinstance(data, np.ndarray):
        data = data.numpy()
    array = None
    if isinstance(data, np.ndarray):
        array = np.asarray(data, dtype=np.float64)
    elif isinstance(data, (list, tuple)):
        try:  # nested lists of numbers are one array; a list of batches of other sizes is not
            array = np.asarray(data, dtype=np.float64)
        except ValueError:
            array = None
    if array is not None:
        if array.ndim == 0:
            raise ValueError(f'Layer "{name}": adapt() needs at least one sample; received a scalar.')
        size = batch_size or len(array)
        count = 0
        for start in range(0, len(array), size):
            if steps is not None and count >= steps:
                break
            count += 1
            yield array[start:start + size]
        return
    count = 0
    for item in data:
        if steps is not None and count >= steps:
            break
        count += 1
        if isinstance(item, tuple):
            item = item[0]
        if hasattr(item, "numpy") and not isinstance(item, np.ndarray):
            item = item.numpy()
        yield np.asarray(item, dtype=np.float64)
