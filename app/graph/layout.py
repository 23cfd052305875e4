"""Layered (Sugiyama-style) layout of a directed graph of node cards; pure Python, no Qt.

`layered_layout(nodes, edges, sizes, direction)` returns top-left positions:

1. cycles are broken by reversing the back edges of a depth-first search (so loops never hang);
2. nodes get layers by longest path from the sources; a source feeding only deeper nodes moves
   down next to its first consumer; `first`/`last` nodes (a block's Inputs and Outputs) stay on
   the first/last layer in the given order (their position order is the block's port order);
3. edges spanning several layers get one dummy node per crossed layer;
4. the order within layers comes from barycenter sweeps down and up with adjacent transpositions,
   keeping the order with the fewest crossings (counted exactly, O(E log V) per layer pair);
5. coordinates across the flow are solved per layer as a least-squares fit to the neighbours'
   positions under the spacing constraints (pool adjacent violators), in alternating sweeps, so
   chains stay straight, long edges (weighted more) run straight, and branches sit side by side
   around their common source;
6. a very long flow is wrapped into bands placed side by side across it (like lines of text),
   breaking where the fewest edges cross, to keep the picture near a screen's aspect ratio.

`direction` is "LR" (flow left to right, the default) or "TB" (top to bottom).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.graph.layout_place import assign_across, wrap_bands

DIRECTIONS = ("LR", "TB")
DEFAULT_SIZE = (184.0, 100.0)
DUMMY_ACROSS = 12.0


@dataclass
class Layout:
    """The result: `positions` (top-left, per node id), and for checks: `rank` (layer per node),
    `band` (wrapped band per node), `layers` (node ids per layer in order, dummies as
    ("dummy", n) tuples), `reversed_edges` (edges turned around to break cycles) and
    `crossings` (edge crossings between adjacent layers of the final order)."""

    positions: dict = field(default_factory=dict)
    rank: dict = field(default_factory=dict)
    band: dict = field(default_factory=dict)
    layers: list = field(default_factory=list)
    reversed_edges: list = field(default_factory=list)
    crossings: int = 0


def layered_layout(node_ids, edges, sizes=None, direction: str = "LR", origin=(0.0, 0.0), first=(), last=(),
                   layer_gap: float = 80.0, node_gap: float = 36.0, aspect: float | None = 1.6) -> Layout:
    """Lay out `node_ids` (any hashable ids) with `edges` [(src, dst)] as layers along
    `direction`. `sizes` maps id -> (width, height) (default 184 x 100). `first`/`last` list ids
    pinned, in that order, to the first/last layer. `aspect` (width / height) is the shape to wrap
    long flows towards (None: never wrap). Deterministic: equal input gives equal output."""
    if direction not in DIRECTIONS:
        raise ValueError(f"layout direction {direction!r}: expected one of {', '.join(DIRECTIONS)}")
    ids = list(dict.fromkeys(node_ids))
    if not ids:
        return Layout()
    index = {nid: i for i, nid in enumerate(ids)}
    sizes = sizes or {}
    size = [tuple(sizes.get(nid, DEFAULT_SIZE)) for nid in ids]
    pairs = []
    for src, dst in edges:
        if src in index and dst in index and src != dst:
            pairs.append((index[src], index[dst]))
    pairs = list(dict.fromkeys(pairs))
    first_i = [index[n] for n in dict.fromkeys(first) if n in index]
    last_i = [index[n] for n in dict.fromkeys(last) if n in index and n not in set(first)]
    acyclic, flipped = _break_cycles(len(ids), pairs, first_i)
    rank = _assign_layers(len(ids), acyclic, first_i, last_i)
    graph = _Proper(len(ids), acyclic, rank)
    _order_layers(graph, first_i, last_i)
    flow_axis = 0 if direction == "LR" else 1
    across_size = [s[1 - flow_axis] for s in size] + [DUMMY_ACROSS] * (graph.count - len(ids))
    across = assign_across(graph.layers, graph.preds, graph.succs, across_size, len(ids), node_gap)
    along_size = [s[flow_axis] for s in size]
    layer_extent = [max((along_size[v] for v in layer if v < len(ids)), default=0.0) for layer in graph.layers]
    bands = wrap_bands(graph, across, across_size, layer_extent, layer_gap, node_gap * 3, aspect, flow_axis)
    result = Layout(rank={ids[v]: rank[v] for v in range(len(ids))},
                    reversed_edges=[(ids[a], ids[b]) for a, b in flipped],
                    crossings=sum(graph.crossings(k) for k in range(len(graph.layers) - 1)))
    result.layers = [[ids[v] if v < len(ids) else ("dummy", v) for v in layer] for layer in graph.layers]
    for v in range(len(ids)):
        band, along_start, across_centre = bands[v]
        along = along_start + (layer_extent[rank[v]] - along_size[v]) / 2 if flow_axis == 0 else along_start
        top_left_across = across_centre - size[v][1 - flow_axis] / 2
        x, y = (along, top_left_across) if flow_axis == 0 else (top_left_across, along)
        result.positions[ids[v]] = (origin[0] + x, origin[1] + y)
        result.band[ids[v]] = band
    return result


def _break_cycles(n, pairs, first):
    """Edges with every back edge of a DFS (from `first`, then sources, then the rest in order)
    reversed; returns (acyclic edges, reversed originals)."""
    succ = [[] for _ in range(n)]
    indeg = [0] * n
    for a, b in pairs:
        succ[a].append(b)
        indeg[b] += 1
    state = [0] * n    # 0 new, 1 on stack, 2 done
    back = set()
    roots = first + [v for v in range(n) if indeg[v] == 0] + list(range(n))
    for root in roots:
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if state[w] == 0:
                    state[w] = 1
                    stack.append((w, iter(succ[w])))
                    break
                if state[w] == 1:
                    back.add((v, w))
            else:
                state[v] = 2
                stack.pop()
    acyclic = list(dict.fromkeys((b, a) if (a, b) in back else (a, b) for a, b in pairs))
    return acyclic, [p for p in pairs if p in back]


def _assign_layers(n, pairs, first, last):
    """Longest-path layers; sources move down next to their nearest consumer; pinned nodes go to
    the first/last layer."""
    preds = [[] for _ in range(n)]
    succs = [[] for _ in range(n)]
    for a, b in pairs:
        preds[b].append(a)
        succs[a].append(b)
    order = _topological(n, preds, succs)
    pinned_first = set(first)
    rank = [0] * n
    for v in order:
        if v not in pinned_first and preds[v]:
            rank[v] = 1 + max(rank[p] for p in preds[v])
    for v in reversed(order):
        if not preds[v] and succs[v] and v not in pinned_first:
            rank[v] = max(rank[v], min(rank[s] for s in succs[v]) - 1)
    if last:
        others = [rank[v] for v in range(n) if v not in set(last)]
        bottom = max(others + [1 + rank[p] for v in last for p in preds[v]] + [0])
        for v in last:
            rank[v] = bottom
    return rank


def _topological(n, preds, succs):
    indeg = [len(p) for p in preds]
    ready = [v for v in range(n) if indeg[v] == 0]
    order = []
    head = 0
    while head < len(ready):
        v = ready[head]
        head += 1
        order.append(v)
        for w in succs[v]:
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    return order


class _Proper:
    """The layered graph with dummy nodes: every edge joins adjacent layers."""

    def __init__(self, n, pairs, rank):
        self.count = n
        self.rank = list(rank)
        self.preds: list = [[] for _ in range(n)]
        self.succs: list = [[] for _ in range(n)]
        self.chains = []      # (src, dst, [dummies])
        for a, b in pairs:
            prev, dummies = a, []
            for r in range(rank[a] + 1, rank[b]):
                d = self.count
                self.count += 1
                self.rank.append(r)
                self.preds.append([])
                self.succs.append([])
                self._link(prev, d)
                dummies.append(d)
                prev = d
            self._link(prev, b)
            self.chains.append((a, b, dummies))
        depth = max(self.rank) + 1 if self.rank else 0
        self.layers = [[] for _ in range(depth)]
        for v in range(self.count):
            self.layers[self.rank[v]].append(v)
        self.pos = [0] * self.count

    def _link(self, a, b):
        self.succs[a].append(b)
        self.preds[b].append(a)

    def renumber(self, k):
        for i, v in enumerate(self.layers[k]):
            self.pos[v] = i

    def crossings(self, k):
        """Crossings between layer k and k + 1 (accumulator tree, Barth et al. style)."""
        upper = self.layers[k]
        if k + 1 >= len(self.layers):
            return 0
        ends = sorted((self.pos[u], self.pos[w]) for u in upper for w in self.succs[u])
        return _inversions([w for _, w in ends], len(self.layers[k + 1]))


def _inversions(values, size):
    tree = [0] * (size + 1)
    count = 0
    seen = 0
    for value in values:
        i = value + 1
        below = 0
        j = i
        while j > 0:
            below += tree[j]
            j -= j & -j
        count += seen - below
        seen += 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def _order_layers(graph: _Proper, first, last):
    """Crossing reduction: initial DFS order, then barycenter sweeps with transposition; the best
    order found is kept."""
    placed = set()
    layers = [[] for _ in graph.layers]
    roots = first + sorted(range(graph.count), key=lambda v: (graph.rank[v], v))
    for root in roots:
        if root in placed:
            continue
        stack = [root]
        while stack:
            v = stack.pop()
            if v in placed:
                continue
            placed.add(v)
            layers[graph.rank[v]].append(v)
            stack.extend(reversed(graph.succs[v]))
    graph.layers = layers
    pins = {}
    for group in (first, last):
        if group:
            pins[graph.rank[group[0]]] = list(group)
    for k in range(len(layers)):
        _apply_pins(graph, k, pins)
        graph.renumber(k)
    best = _snapshot(graph)
    best_cost = _total(graph)
    stale = 0
    for iteration in range(24):
        if best_cost == 0:
            break
        down = iteration % 2 == 0
        span = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for k in span:
            fixed = graph.preds if down else graph.succs
            _sort_by_barycenter(graph, k, fixed)
            _apply_pins(graph, k, pins)
            graph.renumber(k)
        _transpose(graph, pins)
        cost = _total(graph)
        if cost < best_cost:
            best, best_cost, stale = _snapshot(graph), cost, 0
        else:
            stale += 1
            if stale >= 4:
                break
    graph.layers = [list(layer) for layer in best]
    for k in range(len(graph.layers)):
        graph.renumber(k)


def _snapshot(graph):
    return [list(layer) for layer in graph.layers]


def _total(graph):
    return sum(graph.crossings(k) for k in range(len(graph.layers) - 1))


def _apply_pins(graph, k, pins):
    """Put the pinned nodes of layer k back into their slots in their required order."""
    wanted = pins.get(k)
    if not wanted:
        return
    layer = graph.layers[k]
    members = set(wanted)
    slots = [i for i, v in enumerate(layer) if v in members]
    for slot, v in zip(slots, [v for v in wanted if v in set(layer)]):
        layer[slot] = v


def _sort_by_barycenter(graph, k, fixed):
    layer = graph.layers[k]

    def key(v):
        neighbours = fixed[v]
        if not neighbours:
            return (graph.pos[v], graph.pos[v])
        return (sum(graph.pos[u] for u in neighbours) / len(neighbours), graph.pos[v])

    layer.sort(key=key)


def _pair_crossings(graph, u, v):
    """Crossings among the edges of u and v (u left of v) with both neighbouring layers."""
    count = 0
    for side in (graph.preds, graph.succs):
        pu = [graph.pos[w] for w in side[u]]
        pv = [graph.pos[w] for w in side[v]]
        count += sum(1 for a in pu for b in pv if a > b)
    return count


def _transpose(graph, pins):
    pinned = {v for group in pins.values() for v in group}
    for _ in range(4):
        improved = False
        for layer in graph.layers:
            for i in range(len(layer) - 1):
                u, v = layer[i], layer[i + 1]
                if u in pinned and v in pinned:
                    continue
                if _pair_crossings(graph, v, u) < _pair_crossings(graph, u, v):
                    layer[i], layer[i + 1] = v, u
                    graph.pos[u], graph.pos[v] = i + 1, i
                    improved = True
        if not improved:
            break
