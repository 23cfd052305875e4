"""Per-thread state of the layer call in progress (training flag, symbolic mode)."""

from __future__ import annotations

import threading

_state = threading.local()


class CallContext:
    """What the outermost `Layer.__call__` decided, visible to the calls it makes."""

    def __init__(self, training=None, symbolic=False):
        self.training = training
        self.symbolic = symbolic


def current() -> CallContext | None:
    """The active call context, or None outside any layer call."""
    stack = getattr(_state, "stack", None)
    return stack[-1] if stack else None


def push(context: CallContext) -> None:
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    stack.append(context)


def pop() -> None:
    _state.stack.pop()


def in_symbolic_run() -> bool:
    """True while a layer runs on placeholder data only to learn its output shape."""
    ctx = current()
    return bool(ctx and ctx.symbolic)
