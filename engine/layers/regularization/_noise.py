"""Random masks shared by the dropout layers: a per-layer generator when seeded."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.random import generator


def layer_generator(seed):
    """A generator owned by one layer (advancing every call) or None for the global one."""
    if seed is None:
        return None
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer or None. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))


def check_rate(cls_name, rate):
    """Validate a dropout rate in [0, 1)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0 <= rate < 1:
        raise ValueError(f"{cls_name}: rate must be a number in [0, 1). Received: rate={rate!r}")
    return float(rate)


def apply_dropout(inputs, rate, noise_shape, rng):
    """inputs * keep / (1 - rate), with `keep` drawn in `noise_shape` and broadcast."""
    source = rng if rng is not None else generator()
    keep = (source.random(noise_shape) >= rate).astype(inputs.dtype) / np.asarray(1 - rate, dtype=inputs.dtype)
    return ops.multiply(inputs, Tensor(keep))


def resolve_noise_shape(layer_name, noise_shape, input_shape):
    """`noise_shape` with None entries filled from the input's shape, checked for broadcasting."""
    if noise_shape is None:
        return tuple(input_shape)
    if len(noise_shape) != len(input_shape):
        raise ValueError(f'Layer "{layer_name}": noise_shape {tuple(noise_shape)} must have the rank of the '
                         f"inputs {tuple(input_shape)}.")
    out = tuple(s if n is None else int(n) for n, s in zip(noise_shape, input_shape))
    for n, s in zip(out, input_shape):
        if n not in (1, s):
            raise ValueError(f'Layer "{layer_name}": noise_shape {tuple(noise_shape)} does not broadcast to '
                             f"the inputs {tuple(input_shape)}.")
    return out
