"""Weight initializers with Keras 3 names, defaults and fan computations."""

from __future__ import annotations

import math

import numpy as np

from engine import dtypes
from engine.autodiff.tensor import Tensor
from engine.random import generator


class Initializer:
    """Callable `(shape, dtype) -> Tensor`; `get_config` makes it serializable."""

    def __call__(self, shape, dtype=None):
        shape = tuple(int(s) for s in shape)
        dtype = dtypes.standardize(dtype) or dtypes.floatx()
        return Tensor(np.asarray(self.generate(shape, dtype), dtype=dtype))

    def generate(self, shape, dtype):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    """All zeros."""

    def generate(self, shape, dtype):
        return np.zeros(shape, dtype)


class Ones(Initializer):
    """All ones."""

    def generate(self, shape, dtype):
        return np.ones(shape, dtype)


class Constant(Initializer):
    """Every element equal to `value`."""

    def __init__(self, value=0.0):
        self.value = value

    def generate(self, shape, dtype):
        return np.full(shape, self.value, dtype)

    def get_config(self):
        return {"value": self.value}


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        return generator(self.seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Seeded):
    """Normal draws with `mean` and `stddev` (Keras default stddev 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def generate(self, shape, dtype):
        return self._rng().normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    """Uniform draws in [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def generate(self, shape, dtype):
        return self._rng().uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal draws re-drawn beyond two standard deviations."""

    def generate(self, shape, dtype):
        return _truncated(self._rng(), shape, self.stddev) + self.mean


def _truncated(rng, shape, stddev):
    values = rng.normal(0, 1, shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.normal(0, 1, int(bad.sum()))
        bad = np.abs(values) > 2
    return values * stddev


def compute_fans(shape):
    """(fan_in, fan_out) as Keras computes them, convolution kernels included."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_Seeded):
    """Draws scaled by fan size: the family behind glorot_* and he_*."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: invalid mode. Received: mode={mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: invalid distribution. Received: distribution={distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def generate(self, shape, dtype):
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            return _truncated(rng, shape, math.sqrt(variance) / 0.87962566103423978)
        if self.distribution == "untruncated_normal":
            return rng.normal(0, math.sqrt(variance), shape)
        limit = math.sqrt(3 * variance)
        return rng.uniform(-limit, limit, shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class GlorotUniform(VarianceScaling):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)): the Keras default for kernels."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    """Truncated normal with variance 2 / (fan_in + fan_out)."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    """Truncated normal with variance 2 / fan_in."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    """Uniform in ±sqrt(6 / fan_in)."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    """Truncated normal with variance 1 / fan_in."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class Orthogonal(_Seeded):
    """A (scaled) random orthogonal matrix, flattened over leading axes."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def generate(self, shape, dtype):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2. Received: shape={shape}")
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        flat = self._rng().normal(0, 1, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return np.ascontiguousarray(self.gain * q[:rows, :cols]).reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """The identity matrix (times `gain`)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def generate(self, shape, dtype):
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity,
}
_BY_CLASS = {cls.__name__: cls for cls in set(ALIASES.values())}


def get(identifier):
    """An initializer from a name, a config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or callable(identifier) and not isinstance(identifier, (str, dict, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown initializer: {identifier.get('class_name')!r}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        key = identifier if identifier in ALIASES else _snake(identifier)
        if key in ALIASES:
            return ALIASES[key]()
        if identifier in _BY_CLASS:
            return _BY_CLASS[identifier]()
    raise ValueError(f"Unknown initializer: {identifier!r}. Known: {', '.join(sorted(ALIASES))}")


def serialize(initializer):
    """Keras-style config dict of an initializer."""
    if initializer is None:
        return None
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
