"""Recording state and `GradientTape`, which turns a recorded graph into gradients."""

from __future__ import annotations

import threading

import numpy as np

_state = threading.local()


def recording() -> bool:
    """Whether ops on this thread are recorded for differentiation right now."""
    return getattr(_state, "depth", 0) > 0 and not getattr(_state, "paused", 0)


class stop_recording:
    """Context manager that suspends recording (inference, metric updates, symbolic runs)."""

    def __enter__(self):
        _state.paused = getattr(_state, "paused", 0) + 1
        return self

    def __exit__(self, *exc):
        _state.paused -= 1
        return False


class GradientTape:
    """Records ops run inside its `with` block so `gradient` can differentiate them.

    As in TensorFlow, trainable variables are watched automatically; other tensors
    need `watch`. `persistent=True` allows several `gradient` calls.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._watched: list = []
        self._used = False
        self._active = False

    def __enter__(self):
        _state.depth = getattr(_state, "depth", 0) + 1
        self._active = True
        return self

    def __exit__(self, *exc):
        _state.depth -= 1
        self._active = False
        return False

    def watch(self, tensor) -> None:
        """Differentiate with respect to `tensor` (or each tensor in a nested structure)."""
        for t in _flatten(tensor):
            t._needs_grad = True
            if getattr(t, "_relu_fusion", None) is not None:
                t._relu_fusion = None  # a fused activation would bypass this tensor's gradient
            self._watched.append(t)

    def stop_recording(self):
        """Context manager that pauses this tape."""
        return stop_recording()

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of `target` (summed if not scalar) with respect to each of `sources`."""
        from engine.autodiff.tensor import convert

        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients."
            )
        self._used = True
        targets = [convert(t) for t in _flatten(target)]
        seeds = None if output_gradients is None else [np.asarray(g) for g in _flatten(output_gradients)]
        flat_sources = list(_flatten(sources))
        grads = backpropagate(targets, flat_sources, seeds)
        if not self.watch_accessed_variables:
            watched = {id(t) for t in self._watched}
            grads = [g if id(s) in watched else None for g, s in zip(grads, flat_sources)]
        if unconnected_gradients == "zero":
            grads = [g if g is not None else np.zeros(s.shape, dtype=s.dtype) for g, s in zip(grads, flat_sources)]
        from engine.autodiff.tensor import Tensor

        wrapped = [None if g is None else Tensor(g) for g in grads]
        return _unflatten(sources, wrapped)


def backpropagate(targets, sources, seeds=None):
    """Raw gradient arrays of sum(targets) with respect to `sources` (None if unconnected)."""
    order = _topological_order(targets)
    grads: dict[int, object] = {}
    for i, t in enumerate(targets):
        seed = seeds[i] if seeds is not None else None
        if seed is None:
            seed = np.ones(t.shape, dtype=t.dtype if t.dtype.startswith("float") else "float32")
        _accumulate(grads, t, seed)
    for node in reversed(order):
        grad = grads.get(id(node))
        if grad is None or node._backward is None:
            continue
        parent_grads = node._backward(grad)
        for parent, g in zip(node._parents, parent_grads):
            if g is not None and parent is not None and parent._needs_grad:
                _accumulate(grads, parent, g)
    return [grads.get(id(s)) for s in sources]


# A sum of two gradients this large or larger (elements) runs on the batch-parallel threads:
# a residual network's junction gets one from each branch, megabytes each, every step.
THREADED_SUM_ELEMENTS = 1 << 18


def _accumulate(grads, tensor, g):
    key = id(tensor)
    previous = grads.get(key)
    grads[key] = g if previous is None else _sum(previous, g)


def _sum(a, b):
    """a + b as a new array (neither is changed: a backward may hand one array to several parents)."""
    if (type(a) is np.ndarray and type(b) is np.ndarray and a.size >= THREADED_SUM_ELEMENTS
            and a.shape == b.shape and a.dtype == b.dtype and a.dtype in (np.float32, np.float64)
            and a.flags.c_contiguous and b.flags.c_contiguous):
        from engine.backend.cpu import norm

        return norm.add(a, b)
    return a + b


def _topological_order(targets):
    order, seen = [], set()
    for root in targets:
        if id(root) in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for parent in node._parents:
                if parent is not None and parent._needs_grad and id(parent) not in seen:
                    stack.append((parent, False))
    return order


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        for item in structure:
            yield from _flatten(item)
    elif isinstance(structure, dict):
        for key in structure:
            yield from _flatten(structure[key])
    else:
        yield structure


def _unflatten(structure, flat):
    iterator = iter(flat)

    def rebuild(s):
        if isinstance(s, (list, tuple)):
            items = [rebuild(x) for x in s]
            return type(s)(items) if isinstance(s, tuple) else items
        if isinstance(s, dict):
            return {k: rebuild(s[k]) for k in s}
        return next(iterator)

    return rebuild(structure)
