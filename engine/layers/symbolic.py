"""Symbolic tensors for the functional API: `keras.Input` and layer calls on them."""

from __future__ import annotations

import itertools

from engine import dtypes

_uid = itertools.count()


class KerasTensor:
    """A placeholder with a shape (None for unknown sizes) and a dtype.

    Calling a layer on KerasTensors records a `Node`; `keras.Model(inputs, outputs)`
    replays the recorded nodes on real tensors.
    """

    def __init__(self, shape, dtype=None, name=None, node=None, index=0, sparse=False):
        self.shape = tuple(None if s is None else int(s) for s in shape)
        self.dtype = dtypes.standardize(dtype) or dtypes.floatx()
        self.name = name or f"keras_tensor_{next(_uid)}"
        self.node = node
        self.index = index
        self.sparse = sparse
        self._keras_mask = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __len__(self):
        raise TypeError(
            "A symbolic KerasTensor has no length: it only describes a shape. "
            "Call the model on real data to get values."
        )

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"A symbolic KerasTensor ({self.name}, shape={self.shape}) cannot be converted to "
            "a numpy array. Symbolic tensors only describe a model; call the model on data."
        )

    # Arithmetic on symbolic tensors builds small op layers, as Keras 3 allows.
    def _op(self, name, other=None, reverse=False):
        from engine.layers.op_layer import OpLayer

        return OpLayer(name, other, reverse)(self)

    def __add__(self, o):
        return self._op("add", o)

    def __radd__(self, o):
        return self._op("add", o, True)

    def __sub__(self, o):
        return self._op("subtract", o)

    def __rsub__(self, o):
        return self._op("subtract", o, True)

    def __mul__(self, o):
        return self._op("multiply", o)

    def __rmul__(self, o):
        return self._op("multiply", o, True)

    def __truediv__(self, o):
        return self._op("divide", o)

    def __rtruediv__(self, o):
        return self._op("divide", o, True)

    def __neg__(self):
        return self._op("negative")

    def __getitem__(self, key):
        from engine.layers.op_layer import SliceLayer

        return SliceLayer(key)(self)


class Node:
    """One recorded call: `layer(*args, **kwargs) -> outputs` on symbolic tensors."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def input_tensors(self):
        return [t for t in flatten((self.args, self.kwargs)) if isinstance(t, KerasTensor)]

    @property
    def output_tensors(self):
        return [t for t in flatten(self.outputs) if isinstance(t, KerasTensor)]


def flatten(structure):
    """Leaves of nested lists, tuples and dicts, in order (dicts by insertion order)."""
    if isinstance(structure, (list, tuple)):
        out = []
        for item in structure:
            out.extend(flatten(item))
        return out
    if isinstance(structure, dict):
        out = []
        for key in structure:
            out.extend(flatten(structure[key]))
        return out
    return [structure]


def map_structure(fn, structure):
    """Apply `fn` to each leaf, keeping the nesting."""
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(structure) -> bool:
    """Whether any leaf is a KerasTensor."""
    return any(isinstance(t, KerasTensor) for t in flatten(structure))


def _holds_keras_tensor(values) -> bool:
    for value in values:
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value):
            return True
    return False


def symbolic_aware(fn):
    """Wrap an op so that calling it on KerasTensors adds a node to the functional graph.

    On real tensors the op runs as before (one cheap scan of the arguments).
    """
    import functools

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _holds_keras_tensor(args) or (kwargs and _holds_keras_tensor(kwargs.values())):
            from engine.layers.op_layer import apply_symbolic

            return apply_symbolic(fn, args, kwargs)
        return fn(*args, **kwargs)

    op.__wrapped_op__ = fn
    return op


def wrap_namespace(namespace: dict, skip=()) -> None:
    """Make every op function in a module namespace symbolic-aware (in place)."""
    import inspect

    for name, value in list(namespace.items()):
        if name.startswith("_") or name in skip or not inspect.isfunction(value):
            continue
        if getattr(value, "__module__", "").startswith("engine.ops") and not hasattr(value, "__wrapped_op__"):
            namespace[name] = symbolic_aware(value)
