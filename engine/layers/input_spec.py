"""`InputSpec`: what a layer accepts, checked before `call` with a clear message."""

from __future__ import annotations


class InputSpec:
    """Expected rank and fixed axis sizes of a layer input."""

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, shape=None, dtype=None, name=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.shape = shape
        self.dtype = dtype
        self.name = name


def check(layer, spec: InputSpec | None, shape) -> None:
    """Raise ValueError naming `layer` if `shape` does not fit `spec`."""
    if spec is None or shape is None:
        return
    shape = tuple(shape)
    rank = len(shape)
    who = f'Layer "{layer.name}"'
    if spec.ndim is not None and rank != spec.ndim:
        raise ValueError(f"{who} expects input with ndim={spec.ndim}. Received: shape={shape}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(f"{who} expects input with ndim>={spec.min_ndim}. Received: shape={shape}")
    if spec.max_ndim is not None and rank > spec.max_ndim:
        raise ValueError(f"{who} expects input with ndim<={spec.max_ndim}. Received: shape={shape}")
    for axis, size in spec.axes.items():
        if size is None or -rank > axis or axis >= rank:
            continue
        got = shape[axis]
        if got is not None and got != size:
            where = "last dimension" if axis == -1 else f"axis {axis}"
            raise ValueError(f"{who} expects input with {where} {size}. Received: shape={shape}")
