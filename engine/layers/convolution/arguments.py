"""Argument checks shared by the convolution, pooling and reshaping layers.

Each check normalises a user value the way Keras does (an int becomes a tuple of `rank`
ints) and raises `ValueError("<Layer>: <arg> must be ... Received: <arg>=<value>")`.
"""

from __future__ import annotations

from engine import ops


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int_tuple(layer: str, arg: str, value, rank: int, minimum: int = 1) -> tuple:
    """`value` (an int or `rank` ints) as a tuple of ints, each at least `minimum`."""
    if _is_int(value):
        result = (value,) * rank
    elif isinstance(value, (list, tuple)) and len(value) == rank and all(_is_int(v) for v in value):
        result = tuple(value)
    else:
        raise ValueError(f"{layer}: {arg} must be an int or a tuple of {rank} ints. Received: {arg}={value!r}")
    if any(v < minimum for v in result):
        what = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{layer}: {arg} must be {what}. Received: {arg}={result!r}")
    return result


def positive_int(layer: str, arg: str, value) -> int:
    """A strictly positive int."""
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{layer}: {arg} must be a positive integer. Received: {arg}={value!r}")
    return value


def padding_mode(layer: str, value, allowed=("valid", "same")) -> str:
    """Lower-cased padding name from `allowed`."""
    mode = value.lower() if isinstance(value, str) else value
    if mode not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{layer}: padding must be one of {options}. Received: padding={value!r}")
    return mode


def data_format(layer: str, value) -> str:
    """"channels_last" (the default for None) or "channels_first"."""
    if value is None:
        return "channels_last"
    fmt = value.lower() if isinstance(value, str) else value
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={value!r}")
    return fmt


def to_channels_last(x, data_format_name: str):
    """Move the channel axis of a channels_first tensor to the end."""
    if data_format_name == "channels_last":
        return x
    return ops.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))


def to_channels_first(x, data_format_name: str):
    """Undo `to_channels_last` on an output."""
    if data_format_name == "channels_last":
        return x
    return ops.transpose(x, (0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))


def spatial_and_channels(shape, data_format_name: str):
    """(spatial sizes, channel count) of a full input shape."""
    shape = tuple(shape)
    if data_format_name == "channels_last":
        return shape[1:-1], shape[-1]
    return shape[2:], shape[1]


def assemble_shape(batch, spatial, channels, data_format_name: str) -> tuple:
    """A full shape from its parts, in the layer's data format."""
    if data_format_name == "channels_last":
        return (batch,) + tuple(spatial) + (channels,)
    return (batch, channels) + tuple(spatial)
