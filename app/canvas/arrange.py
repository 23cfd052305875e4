"""Node placement: align, distribute and a layered auto-layout (positions only, no Qt)."""

from __future__ import annotations

COLUMN = 290.0
ROW = 140.0


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


def layered_layout(node_ids: list[str], edges: list[tuple[str, str]], origin=(0.0, 0.0)) -> dict[str, tuple]:
    """Left-to-right layers by longest path from the sources; loops do not hang it.

    Within a column, nodes keep the order of the average row of what feeds them, which keeps
    wires short and mostly straight.
    """
    predecessors: dict[str, list[str]] = {nid: [] for nid in node_ids}
    for src, dst in edges:
        if src in predecessors and dst in predecessors and src != dst:
            predecessors[dst].append(src)
    depth: dict[str, int] = {}

    def depth_of(nid: str, visiting: set) -> int:
        if nid in depth:
            return depth[nid]
        if nid in visiting:
            return 0
        visiting.add(nid)
        value = 1 + max((depth_of(p, visiting) for p in predecessors[nid]), default=-1)
        visiting.discard(nid)
        depth[nid] = value
        return value

    for nid in node_ids:
        depth_of(nid, set())
    columns: dict[int, list[str]] = {}
    for nid in node_ids:
        columns.setdefault(depth[nid], []).append(nid)
    row_of: dict[str, float] = {}
    positions = {}
    for column in sorted(columns):
        members = columns[column]
        members.sort(key=lambda nid: (sum(row_of.get(p, 0) for p in predecessors[nid]) / max(1, len(predecessors[nid])),
                                      node_ids.index(nid)))
        offset = (len(members) - 1) / 2
        for index, nid in enumerate(members):
            row_of[nid] = index - offset
            positions[nid] = (origin[0] + column * COLUMN, origin[1] + (index - offset) * ROW)
    return positions
