"""Small internal layers made by arithmetic and slicing on symbolic tensors."""

from __future__ import annotations

from engine import ops
from engine.layers.layer import Layer


class OpLayer(Layer):
    """Applies one binary or unary op with a constant or second symbolic operand."""

    def __init__(self, op, other=None, reverse=False, **kwargs):
        super().__init__(**kwargs)
        self.op, self.other, self.reverse = op, other, reverse

    def __call__(self, x, **kwargs):
        from engine.layers.symbolic import KerasTensor

        if isinstance(self.other, KerasTensor) and not isinstance(x, (list, tuple)):
            # first (symbolic) call: record both operands; a functional replay passes the pair
            return super().__call__([x, self.other], **kwargs)
        return super().__call__(x, **kwargs)

    def call(self, inputs):
        fn = getattr(ops, self.op)
        if isinstance(inputs, (list, tuple)):
            a, b = inputs
        else:
            a, b = inputs, self.other
        if b is None:
            return fn(a)
        return fn(b, a) if self.reverse else fn(a, b)

    def get_config(self):
        config = super().get_config()
        config.update({"op": self.op, "other": self.other if isinstance(self.other, (int, float)) else None,
                       "reverse": self.reverse})
        return config


class SliceLayer(Layer):
    """x[key] on a symbolic tensor."""

    def __init__(self, key, **kwargs):
        super().__init__(**kwargs)
        self.key = key

    def call(self, inputs):
        return ops.getitem(inputs, self.key)
