"""Axis-argument handling shared by the normalization layers."""

from __future__ import annotations


def normalize_axes(layer_name, axis, rank):
    """`axis` (int or list of ints, negatives allowed) as sorted non-negative axes of `rank`."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not isinstance(a, int) or not -rank <= a < rank:
            raise ValueError(f'Layer "{layer_name}": invalid axis {axis!r} for inputs of rank {rank}.')
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise ValueError(f'Layer "{layer_name}": duplicate axes in axis={axis!r}.')
    return sorted(out)


def check_axis_argument(cls_name, axis):
    """Validate the constructor's `axis`; returns an int or a list, as Keras stores it."""
    if isinstance(axis, (list, tuple)):
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis) or not axis:
            raise TypeError(f"{cls_name}: axis must be an int or a list of ints. Received: axis={axis!r}")
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(f"{cls_name}: axis must be an int or a list of ints. Received: axis={axis!r}")
