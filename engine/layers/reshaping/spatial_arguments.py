"""Parsing of the padding/cropping amounts taken by ZeroPadding and Cropping layers."""

from __future__ import annotations


def _non_negative_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def amounts(layer: str, arg: str, value, rank: int) -> tuple:
    """`rank` (before, after) pairs from an int, `rank` ints (symmetric) or `rank` pairs.

    For rank 1 the result is a single (before, after) pair.
    """
    pairs = None
    if _non_negative_int(value):
        pairs = ((value, value),) * rank
    elif isinstance(value, (list, tuple)):
        if rank == 1 and len(value) == 2 and all(_non_negative_int(v) for v in value):
            pairs = (tuple(value),)
        elif rank > 1 and len(value) == rank:
            if all(_non_negative_int(v) for v in value):
                pairs = tuple((v, v) for v in value)
            elif all(isinstance(p, (list, tuple)) and len(p) == 2 and all(_non_negative_int(v) for v in p)
                     for p in value):
                pairs = tuple(tuple(p) for p in value)
    if pairs is None:
        shape = "an int or a tuple of 2 non-negative ints" if rank == 1 else \
            f"a non-negative int, a tuple of {rank} ints or a tuple of {rank} (before, after) pairs"
        raise ValueError(f"{layer}: {arg} must be {shape}. Received: {arg}={value!r}")
    return pairs[0] if rank == 1 else pairs
