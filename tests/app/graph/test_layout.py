"""The layered graph layout (app.graph.layout, app.graph.autolayout): no overlaps, edges
forward, few crossings, branches side by side, straight chains, wrapping, cycles, determinism."""

import random

import pytest

from app.graph import AddNode, Connect, Document, MODEL_ID
from app.graph.autolayout import block_positions, card_size, layout_direction
from app.graph.layout import layered_layout

SIZE = (184.0, 100.0)


def _overlaps(layout, sizes):
    boxes = [(x, y, x + sizes.get(n, SIZE)[0], y + sizes.get(n, SIZE)[1]) for n, (x, y) in layout.positions.items()]
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]


def _forward(layout, edges, direction, sizes=None):
    """Edges that do not go forward: within a band the target starts past the source's end
    along the flow; into a later band the target lies further across."""
    axis = 0 if direction == "LR" else 1
    bad = []
    for a, b in edges:
        if (a, b) in layout.reversed_edges:
            continue
        pa, pb = layout.positions[a], layout.positions[b]
        end = pa[axis] + (sizes or {}).get(a, SIZE)[axis]
        if layout.band[a] == layout.band[b]:
            ok = pb[axis] > end
        else:
            ok = layout.band[b] > layout.band[a] and pb[1 - axis] > pa[1 - axis]
        if not ok or layout.rank[b] <= layout.rank[a]:
            bad.append((a, b))
    return bad


def _random_dag(seed, n=40, extra=30):
    rng = random.Random(seed)
    ids = [f"v{i}" for i in range(n)]
    edges = [(ids[rng.randrange(i)], ids[i]) for i in range(1, n)]
    for _ in range(extra):
        a, b = sorted(rng.sample(range(n), 2))
        edges.append((ids[a], ids[b]))
    return ids, edges


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("seed", range(6))
def test_random_dags_have_no_overlaps_and_forward_edges(seed, direction):
    ids, edges = _random_dag(seed)
    rng = random.Random(seed)
    sizes = {n: (184.0, rng.choice([80.0, 100.0, 160.0])) for n in ids}
    layout = layered_layout(ids, edges, sizes, direction)
    assert set(layout.positions) == set(ids)
    assert not _overlaps(layout, sizes)
    assert not _forward(layout, edges, direction, sizes)
    assert layout.reversed_edges == []


def test_long_chain_wraps_into_bands_and_stays_forward():
    ids = [f"n{i}" for i in range(120)]
    edges = list(zip(ids, ids[1:]))
    layout = layered_layout(ids, edges)
    xs = [p[0] for p in layout.positions.values()]
    ys = [p[1] for p in layout.positions.values()]
    width, height = max(xs) - min(xs) + SIZE[0], max(ys) - min(ys) + SIZE[1]
    assert max(layout.band.values()) >= 3
    assert 0.5 < width / height < 4
    assert not _forward(layout, edges, "LR")
    assert not _overlaps(layout, {})


def test_short_chain_is_one_straight_row():
    ids = list("abcdef")
    layout = layered_layout(ids, list(zip(ids, ids[1:])))
    assert len({p[1] for p in layout.positions.values()}) == 1
    assert [layout.positions[n][0] for n in ids] == sorted(layout.positions[n][0] for n in ids)
    tb = layered_layout(ids, list(zip(ids, ids[1:])), direction="TB")
    assert len({p[0] for p in tb.positions.values()}) == 1


def test_diamond_and_twisted_pairs_have_no_crossings():
    diamond = layered_layout("abcd", [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    assert diamond.crossings == 0
    # a1 -> b2 and a2 -> b1, given in an order that crosses: the layout untwists them
    pairs = layered_layout(["a1", "a2", "b1", "b2"], [("a1", "b2"), ("a2", "b1")])
    assert pairs.crossings == 0
    ladder = ["s", "x1", "x2", "x3", "y1", "y2", "y3", "t"]
    edges = [("s", "x1"), ("s", "x2"), ("s", "x3"), ("x1", "y3"), ("x2", "y2"), ("x3", "y1"),
             ("y1", "t"), ("y2", "t"), ("y3", "t")]
    assert layered_layout(ladder, edges).crossings == 0


def test_complete_bipartite_keeps_its_one_unavoidable_crossing():
    layout = layered_layout(["a", "b", "c", "d"], [("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")])
    assert layout.crossings == 1


def test_inception_like_branches_sit_side_by_side_around_their_source():
    ids, edges = ["in"], []
    lengths = [1, 2, 3, 2]
    for b, length in enumerate(lengths):
        previous = "in"
        for k in range(length):
            node = f"b{b}_{k}"
            ids.append(node)
            edges.append((previous, node))
            previous = node
        edges.append((previous, "concat"))
    ids.append("concat")
    layout = layered_layout(ids, edges)
    heads = [layout.positions[f"b{b}_0"] for b in range(len(lengths))]
    assert len({x for x, _ in heads}) == 1                   # one layer
    ys = sorted(y for _, y in heads)
    assert all(b - a >= SIZE[1] for a, b in zip(ys, ys[1:]))  # side by side, not stacked on each other
    centre_in = layout.positions["in"][1]
    assert ys[0] < centre_in < ys[-1]                         # the source sits in the middle
    assert ys[0] < layout.positions["concat"][1] < ys[-1]
    assert layout.crossings == 0
    assert layout.positions["b2_1"][1] == pytest.approx(layout.positions["b2_0"][1])   # a branch runs straight


def test_cycles_are_broken_not_followed():
    ids = list("abcde")
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d"), ("d", "e"), ("e", "c")]
    layout = layered_layout(ids, edges)
    assert set(layout.positions) == set(ids)
    assert layout.reversed_edges
    assert not _overlaps(layout, {})


def test_layout_is_deterministic():
    ids, edges = _random_dag(3, n=80, extra=60)
    first = layered_layout(ids, edges)
    second = layered_layout(list(ids), list(edges))
    assert first.positions == second.positions


def test_pinned_inputs_and_outputs_keep_their_order():
    ids = ["i1", "i2", "x", "y", "o1", "o2"]
    edges = [("i2", "x"), ("i1", "y"), ("x", "o1"), ("y", "o2"), ("i1", "x")]
    layout = layered_layout(ids, edges, first=["i1", "i2"], last=["o1", "o2"])
    assert layout.rank["i1"] == layout.rank["i2"] == 0
    assert layout.rank["o1"] == layout.rank["o2"] == max(layout.rank.values())
    assert layout.positions["i1"][1] < layout.positions["i2"][1]
    assert layout.positions["o1"][1] < layout.positions["o2"][1]


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="sideways"):
        layered_layout(["a"], [], direction="sideways")


def test_document_block_follows_the_project_direction():
    doc = Document()
    inp = doc.apply(AddNode(MODEL_ID, "Input", {"shape": (4,)})).node_id
    a = doc.apply(AddNode(MODEL_ID, "Dense", {"units": 3})).node_id
    b = doc.apply(AddNode(MODEL_ID, "Dense", {"units": 3})).node_id
    add = doc.apply(AddNode(MODEL_ID, "Add")).node_id
    out = doc.apply(AddNode(MODEL_ID, "Output")).node_id
    for src, dst, port in ((inp, a, "inputs"), (inp, b, "inputs"), (a, add, "inputs"), (b, add, "inputs"),
                           (add, out, "inputs")):
        doc.apply(Connect(MODEL_ID, (src, "output"), (dst, port)))
    assert layout_direction(doc) == "LR"
    lr = block_positions(doc, MODEL_ID).positions
    assert lr[inp][0] < lr[a][0] < lr[add][0] < lr[out][0]
    doc.settings["layout_direction"] = "TB"
    tb = block_positions(doc, MODEL_ID).positions
    assert tb[inp][1] < tb[a][1] < tb[add][1] < tb[out][1]
    assert tb[a][1] == tb[b][1] and tb[a][0] != tb[b][0]
    assert card_size(doc, MODEL_ID, add)[1] >= card_size(doc, MODEL_ID, a)[1]
