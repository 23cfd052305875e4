"""How an op joins the recorded graph: forward value, parents and a backward closure."""

from __future__ import annotations

from engine.autodiff.tape import recording
from engine.autodiff.tensor import Tensor


def record(value, parents, backward) -> Tensor:
    """Wrap `value` as a Tensor; when recording, link it to `parents` for differentiation.

    `backward(grad)` receives the gradient array of the output and returns one gradient
    array (or None) per parent, already reduced to that parent's shape.
    """
    out = Tensor(value)
    if recording():
        for p in parents:
            if p is not None and p._needs_grad:
                out._parents = tuple(parents)
                out._backward = backward
                out._needs_grad = True
                break
    return out
