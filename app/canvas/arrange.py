"""Node placement: align and distribute (positions only, no Qt). The layered auto layout is
`app.graph.layout` (see `app.graph.autolayout`)."""

from __future__ import annotations


def align(positions: dict[str, tuple], how: str) -> dict[str, tuple]:
    """New positions lining the nodes up: how = "left", "top", "hcenter" or "vcenter"."""
    if not positions:
        return {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    if how == "left":
        return {nid: (min(xs), y) for nid, (x, y) in positions.items()}
    if how == "top":
        return {nid: (x, min(ys)) for nid, (x, y) in positions.items()}
    if how == "hcenter":
        middle = sum(xs) / len(xs)
        return {nid: (middle, y) for nid, (x, y) in positions.items()}
    if how == "vcenter":
        middle = sum(ys) / len(ys)
        return {nid: (x, middle) for nid, (x, y) in positions.items()}
    raise ValueError(f"unknown alignment {how!r}; expected left, top, hcenter or vcenter")


def distribute(positions: dict[str, tuple], horizontal: bool) -> dict[str, tuple]:
    """Spread nodes evenly between the first and last along one axis."""
    if len(positions) < 3:
        return dict(positions)
    axis = 0 if horizontal else 1
    ordered = sorted(positions.items(), key=lambda item: item[1][axis])
    first, last = ordered[0][1][axis], ordered[-1][1][axis]
    step = (last - first) / (len(ordered) - 1)
    result = {}
    for index, (nid, pos) in enumerate(ordered):
        value = first + index * step
        result[nid] = (value, pos[1]) if horizontal else (pos[0], value)
    return result
