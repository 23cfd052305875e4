"""Finding repeated structure in the Model (ResNet's bottlenecks, Inception modules, inverted
residuals) so it can be folded into instances of shared block definitions (`app.graph.fold_op`).

The Model's graph is cut at its *cut nodes*, the nodes every path from the inputs to the
outputs passes through; between two consecutive cut nodes lies a single-entry, single-exit
segment. A segment with more than one node (a branch and its merge) is a *unit*; layer names
are only a hint that widens a unit: the chain nodes just before or after it whose labels start
with the unit's common label prefix (Keras names `conv2_block1_1_conv` ... `conv2_block1_out`)
join it, and neighbouring units with the same prefix merge. A run of chain nodes named as one
block (`block_3_expand` ... `block_3_project_BN`) is a unit too. Units are compared structurally:
the same layer types wired the same way form a family, and a family of two or more is folded.
Within a family, units with equal parameters (names aside) share one definition; a differently
configured repeat (the first block of a ResNet stage, with its projection shortcut and stride)
gets a definition of its own. Every instance keeps its own weights.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field

from app.graph.document import BLOCK, CUSTOM, INPUT, MODEL_ID, OUTPUT, Document, edge_sort_key
from app.graph.evaluate import freeze

NOT_FOLDABLE = (INPUT, OUTPUT, BLOCK, CUSTOM)


@dataclass
class Unit:
    """One repeat: its nodes in canonical order, where its inputs come from (distinct
    (node, port) sources outside it) and which (node, port) of it feed the rest."""

    nodes: list
    entries: list
    exits: list
    prefix: list
    topology: tuple = ()
    config: tuple = ()


@dataclass
class Definition:
    """Units with one structure and one configuration: one block definition."""

    units: list = field(default_factory=list)


@dataclass
class FoldPlan:
    """What folding would do: definitions in the order of their first instance."""

    block: str
    definitions: list = field(default_factory=list)

    @property
    def instance_count(self) -> int:
        return sum(len(d.units) for d in self.definitions)


def tokens(label: str) -> list:
    return [t for t in re.split(r"_+", label or "") if t]


def common_prefix(lists) -> list:
    lists = list(lists)
    if not lists:
        return []
    prefix = list(lists[0])
    for other in lists[1:]:
        n = 0
        while n < len(prefix) and n < len(other) and prefix[n] == other[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def topological_order(doc: Document, block_id: str):
    """Node ids in dependency order, ties by id (numeric), or None if the block has a cycle."""
    block = doc.blocks[block_id]
    succ = {n: [] for n in block.nodes}
    indeg = {n: 0 for n in block.nodes}
    for e in block.edges.values():
        if e.src[0] in succ and e.dst[0] in indeg:
            succ[e.src[0]].append(e.dst[0])
            indeg[e.dst[0]] += 1
    heap = [(edge_sort_key(n), n) for n, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        _, n = heapq.heappop(heap)
        order.append(n)
        for m in succ[n]:
            indeg[m] -= 1
            if indeg[m] == 0:
                heapq.heappush(heap, (edge_sort_key(m), m))
    return order if len(order) == len(block.nodes) else None


def segments(order: list, pairs: list) -> list:
    """The nodes `order` (topologically sorted) cut at their cut nodes, given the edges
    `pairs` [(src, dst)] among them: lists of node ids, each ending at a cut node (nodes after
    the last cut node form the last list). Every path from a source to a sink passes each cut
    node, which in a topological order means no edge jumps over it (sources hang from a
    virtual start, sinks from a virtual end)."""
    pos = {n: i for i, n in enumerate(order)}
    n = len(order)
    spans = [0] * (n + 1)
    has_in, has_out = set(), set()
    for src, dst in pairs:
        a, b = pos[src], pos[dst]
        has_out.add(src)
        has_in.add(dst)
        if b > a + 1:
            spans[a + 1] += 1
            spans[b] -= 1
    for nid in order:
        if nid not in has_in and pos[nid] > 0:
            spans[0] += 1
            spans[pos[nid]] -= 1
        if nid not in has_out and pos[nid] < n - 1:
            spans[pos[nid] + 1] += 1
            spans[n] -= 1
    result, current, depth = [], [], 0
    for i, nid in enumerate(order):
        depth += spans[i]
        current.append(nid)
        if depth == 0:
            result.append(current)
            current = []
    if current:
        result.append(current)
    return result


@dataclass
class _Candidate:
    unit: Unit
    inner: list       # candidates inside it (in its parallel branches)


def find_units(doc: Document, block_id: str = MODEL_ID) -> list:
    """The candidate units of a block as a tree: a unit's `inner` candidates lie in the
    parallel branches inside it (a long skip edge spanning repeats makes them one big unit
    whose branches hold the repeats)."""
    order = topological_order(doc, block_id)
    if order is None:
        return []
    block = doc.blocks[block_id]
    pairs = [(e.src[0], e.dst[0]) for e in block.edges.values()]
    label = {nid: tokens(block.nodes[nid].label) for nid in order}
    return _candidates(doc, block_id, order, pairs, label, depth=0)


def _components(nodes, pairs):
    """Weakly connected parts of `nodes` (each in the given order)."""
    parent = {n: n for n in nodes}

    def root(n):
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in pairs:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict = {}
    for n in nodes:
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def _candidates(doc, block_id, order, pairs, label, depth):
    inside = set(order)
    local_pairs = [(a, b) for a, b in pairs if a in inside and b in inside]
    pieces = segments(order, local_pairs)

    def starts(nid, prefix):
        return bool(prefix) and label[nid][:len(prefix)] == prefix and \
            doc.blocks[block_id].nodes[nid].type not in NOT_FOLDABLE

    groups = []       # [first piece index, last piece index, prefix]
    for i, piece in enumerate(pieces):
        if len(piece) > 1:
            prefix = common_prefix(label[n] for n in piece)
            if groups and prefix and groups[-1][2] == prefix and \
                    all(starts(n, prefix) for p in pieces[groups[-1][1] + 1:i] for n in p):
                groups[-1][1] = i
            else:
                groups.append([i, i, prefix])
    taken_until = -1
    for g, group in enumerate(groups):
        first, last, prefix = group
        limit = groups[g + 1][0] if g + 1 < len(groups) else len(pieces)
        while last + 1 < limit and len(pieces[last + 1]) == 1 and starts(pieces[last + 1][0], prefix):
            last += 1
        while first - 1 > taken_until and len(pieces[first - 1]) == 1 and starts(pieces[first - 1][0], prefix):
            first -= 1
        group[0], group[1] = first, last
        taken_until = last
    result = []
    taken = {i for first, last, _ in groups for i in range(first, last + 1)}
    for run in _chain_runs(doc, block_id, pieces, taken, label):
        unit = _make_unit(doc, block_id, run, _chain_key(label[run[0]]))
        if unit is not None:
            result.append(_Candidate(unit, []))
    for first, last, prefix in groups:
        nodes = [n for piece in pieces[first:last + 1] for n in piece]
        inner = []
        if depth < 8:
            for piece in pieces[first:last + 1]:
                if len(piece) > 2:
                    for part in _components(piece[:-1], local_pairs):
                        inner += _candidates(doc, block_id, part, local_pairs, label, depth + 1)
        unit = _make_unit(doc, block_id, nodes, prefix)
        if unit is not None:
            result.append(_Candidate(unit, inner))
        else:
            result += inner
    return result


def _chain_key(words):
    """A chain node's unit name from its label: the words up to the first one with a digit
    (`block_3_expand_BN` -> block, 3; `pool2_conv` -> pool2), or None."""
    for i, word in enumerate(words):
        if any(c.isdigit() for c in word):
            return words[:i + 1] if i + 1 < len(words) else None
    return None


def _chain_runs(doc, block_id, pieces, taken, label):
    """Runs of two or more consecutive single nodes outside every unit whose labels share a
    chain key (a block of layers without branches, like MobileNetV2's strided inverted
    residuals or VGG's conv blocks)."""
    runs, current, key = [], [], None
    for i, piece in enumerate(pieces + [[None]]):
        nid = piece[0] if len(piece) == 1 and i not in taken else None
        node_key = _chain_key(label[nid]) if nid is not None else None
        if nid is not None and doc.blocks[block_id].nodes[nid].type in NOT_FOLDABLE:
            node_key = None
        if node_key is not None and node_key == key:
            current.append(nid)
            continue
        if len(current) >= 2:
            runs.append(current)
        current, key = ([nid], node_key) if node_key is not None else ([], None)
    return runs


def _storable(node) -> bool:
    """Whether a node's parameters pass the checks a block definition's saved copy must pass
    (a compiled block validates its sub-document like a project file)."""
    from app.graph.catalogue import node_type, param_error

    t = node_type(node.type)
    if t is None:
        return False
    for key, value in node.params.items():
        spec = t.param(key)
        if spec is not None and param_error(spec, value):
            return False
    return True


def _make_unit(doc, block_id, nodes, prefix):
    block = doc.blocks[block_id]
    if any(block.nodes[n].type in NOT_FOLDABLE or not _storable(block.nodes[n]) for n in nodes):
        return None
    inside = set(nodes)
    local = {n: i for i, n in enumerate(nodes)}
    edges = sorted(block.edges.values(), key=lambda e: edge_sort_key(e.id))
    into = {n: [] for n in nodes}
    entries, exits = [], []
    for e in edges:
        if e.dst[0] in inside:
            into[e.dst[0]].append(e)
            if e.src[0] not in inside and tuple(e.src) not in entries:
                entries.append(tuple(e.src))
        elif e.src[0] in inside and tuple(e.src) not in exits:
            exits.append(tuple(e.src))
    if not entries or not exits:
        return None
    exits.sort(key=lambda s: (local[s[0]], s[1]))
    wiring = []
    for n in nodes:
        ins = []
        for e in into[n]:
            source = ("node", local[e.src[0]], e.src[1]) if e.src[0] in inside else ("entry", entries.index(tuple(e.src)))
            ins.append((e.dst[1], source))
        wiring.append((block.nodes[n].type, tuple(ins)))
    topology = (tuple(wiring), len(entries), tuple((local[n], p) for n, p in exits))
    config = tuple(freeze(block.nodes[n].params) for n in nodes)
    return Unit(nodes, entries, exits, prefix, topology, config)


def plan_folds(doc: Document, block_id: str = MODEL_ID) -> FoldPlan:
    """Which units of a block fold into which definitions (an empty plan when none repeat).
    A unit whose structure occurs at least twice folds (the outermost such one: what lies
    inside a folded unit goes into its definition); otherwise the units inside it are tried."""
    tree = find_units(doc, block_id)
    counts: dict = {}

    def count(candidates):
        for c in candidates:
            counts[c.unit.topology] = counts.get(c.unit.topology, 0) + 1
            count(c.inner)

    count(tree)
    chosen = []

    def choose(candidates):
        for c in candidates:
            if counts[c.unit.topology] >= 2:
                chosen.append(c.unit)
            else:
                choose(c.inner)

    choose(tree)
    families: dict = {}
    for unit in chosen:
        families.setdefault(unit.topology, []).append(unit)
    plan = FoldPlan(block_id)
    by_config: dict = {}
    for unit in sorted(chosen, key=lambda u: edge_sort_key(u.nodes[0])):
        if len(families[unit.topology]) < 2:
            continue
        key = (unit.topology, unit.config)
        if key not in by_config:
            by_config[key] = Definition()
            plan.definitions.append(by_config[key])
        by_config[key].units.append(unit)
    return plan
