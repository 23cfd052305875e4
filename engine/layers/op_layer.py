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


class _Slot:
    """Marks where the i-th symbolic input goes in a FunctionLayer's argument template."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class FunctionLayer(Layer):
    """An op (`keras.ops.*` / `tf.*`) applied to symbolic tensors inside a functional model.

    The op's arguments are kept as a template; the symbolic tensors among them become the
    layer's inputs and are put back in place when the model runs.
    """

    def __init__(self, fn, template=None, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn
        self.template = template

    def call(self, inputs):
        from engine.layers.symbolic import map_structure

        values = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        args, kwargs = map_structure(lambda v: values[v.index] if isinstance(v, _Slot) else v, self.template)
        return self.fn(*args, **kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "function": getattr(self.fn, "__name__", repr(self.fn))}


def apply_symbolic(fn, args, kwargs):
    """Record `fn(*args, **kwargs)` on symbolic tensors as a FunctionLayer node."""
    from engine.layers.naming import snake_case
    from engine.layers.symbolic import KerasTensor, map_structure

    symbolic = []

    def to_slot(value):
        if isinstance(value, KerasTensor):
            symbolic.append(value)
            return _Slot(len(symbolic) - 1)
        return value

    template = map_structure(to_slot, (tuple(args), dict(kwargs)))
    from engine.layers.naming import unique_name

    layer = FunctionLayer(fn, template, name=unique_name(snake_case(getattr(fn, "__name__", "function"))))
    return layer(symbolic)
