"""Weight regularizers: penalties added to `layer.losses`."""

from __future__ import annotations

from engine import ops


class Regularizer:
    """Callable `(weight) -> scalar tensor` penalty."""

    def __call__(self, x):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2)."""

    def __init__(self, l1=0.0, l2=0.0):
        _check(l1, "l1")
        _check(l2, "l2")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = ops.multiply(self.l1, ops.reduce_sum(ops.abs(x)))
        if self.l2:
            total = ops.add(total, ops.multiply(self.l2, ops.reduce_sum(ops.square(x))))
        return ops.convert(total, dtype=x.dtype) if not hasattr(total, "data") else total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(x**2)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def _check(value, name):
    if not isinstance(value, (int, float)) or value < 0 or value != value:
        raise ValueError(f"Regularizer: {name} must be a non-negative number. Received: {name}={value!r}")


def l1(l1=0.01):
    """An L1 penalty."""
    return L1(l1)


def l2(l2=0.01):
    """An L2 penalty."""
    return L2(l2)


def l1_l2(l1=0.0, l2=0.0):
    """Keras 3's `l1_l2` (an alias of L1L2: both factors default to 0)."""
    return L1L2(l1, l2)


_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A regularizer from a name, config dict or instance."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown regularizer: {identifier.get('class_name')!r}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown regularizer: {identifier!r}")


def serialize(regularizer):
    """Keras-style config dict."""
    if regularizer is None:
        return None
    return {"module": "keras.regularizers", "class_name": type(regularizer).__name__,
            "config": regularizer.get_config(), "registered_name": None}
