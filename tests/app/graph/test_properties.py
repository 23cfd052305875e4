"""Random documents and edit sequences (hypothesis): checks never raise, undo restores exactly,
save-then-load is identity, compile succeeds or reports node problems."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.graph import (
    BLOCK, MODEL_ID, AddNode, Connect, Disconnect, Document, EditError, GroupIntoBlock, History, MoveNodes,
    RemoveNodes, SetLabel, SetParams, SetSharedWeights, UnpackBlock,
)
from app.graph.compiler import CompileError, compile_document
from app.graph.project import load_project, save_project

TYPES = ["Input", "Dense", "Dense", "Dense", "Output", "ActivityRegularizationLayer", "LogisticEndpoint"]
PARAMS = st.one_of(
    st.fixed_dictionaries({"units": st.integers(-2, 6)}),
    st.fixed_dictionaries({"activation": st.sampled_from([None, "relu", "tanh", "softmax"])}),
    st.fixed_dictionaries({"use_bias": st.booleans()}),
    st.fixed_dictionaries({"shape": st.one_of(st.none(), st.tuples(st.integers(0, 4)),
                                              st.tuples(st.integers(1, 3), st.integers(1, 3)))}),
    st.fixed_dictionaries({"rate": st.floats(-1, 1, allow_nan=False)}),
)
ADD = st.tuples(st.just("add"), st.sampled_from(TYPES), st.integers(0, 1000))
CONNECT = st.tuples(st.just("connect"), st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 3))
ACTION = st.one_of(
    ADD, ADD, ADD, CONNECT, CONNECT, CONNECT, CONNECT,
    st.tuples(st.just("disconnect"), st.integers(0, 1000)),
    st.tuples(st.just("remove"), st.integers(0, 1000)),
    st.tuples(st.just("params"), st.integers(0, 1000), PARAMS),
    st.tuples(st.just("move"), st.integers(0, 1000), st.floats(-500, 500), st.floats(-500, 500)),
    st.tuples(st.just("label"), st.integers(0, 1000), st.text(max_size=6)),
    st.tuples(st.just("group"), st.lists(st.integers(0, 1000), min_size=1, max_size=3)),
    st.tuples(st.just("unpack"), st.integers(0, 1000)),
    st.tuples(st.just("share"), st.integers(0, 1000), st.booleans()),
)


def _pick(seq, i):
    seq = sorted(seq)
    return seq[i % len(seq)] if seq else None


def _make_op(doc, block_id, action):
    block = doc.blocks[block_id]
    kind = action[0]
    nodes = list(block.nodes)
    if kind == "add":
        return AddNode(block_id, action[1], position=(action[2], action[2] % 7))
    if not nodes:
        return None
    nid = _pick(nodes, action[1]) if not isinstance(action[1], list) else None
    if kind == "connect":
        sources = [n for n in nodes if doc.output_ports(block_id, n)]
        targets = [n for n in nodes if doc.input_ports(block_id, n)]
        if not sources or not targets:
            return None
        nid, dst = _pick(sources, action[1]), _pick(targets, action[2])
        outs = doc.output_ports(block_id, nid)
        ins = doc.input_ports(block_id, dst)
        return Connect(block_id, (nid, outs[0].name), (dst, ins[action[3] % len(ins)].name))
    if kind == "disconnect":
        edge = _pick(block.edges, action[1])
        return Disconnect(block_id, [edge]) if edge else None
    if kind == "remove":
        return RemoveNodes(block_id, [nid])
    if kind == "params":
        return SetParams(block_id, nid, action[2])
    if kind == "move":
        return MoveNodes(block_id, {nid: (action[2], action[3])})
    if kind == "label":
        return SetLabel(block_id, nid, action[2])
    if kind == "group":
        return GroupIntoBlock(block_id, [_pick(nodes, i) for i in action[1]], "Group")
    if kind == "unpack":
        return UnpackBlock(block_id, nid)
    if kind == "share":
        return SetSharedWeights(block_id, nid, action[2])
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTION, max_size=25), st.integers(0, 10), st.booleans())
def test_random_edit_sequences(actions, block_choice, seeded):
    doc = Document()
    if seeded:
        ids = [doc.apply(AddNode(MODEL_ID, t, p)).node_id
               for t, p in (("Input", {"shape": (3,)}), ("Dense", {"units": 4}), ("Output", {}))]
        for a, b in zip(ids, ids[1:]):
            doc.apply(Connect(MODEL_ID, (a, "output"), (b, "inputs")))
    history = History(doc)
    start = doc.snapshot()
    snapshots = [start]
    for action in actions:
        blocks = sorted(doc.blocks)
        block_id = blocks[block_choice % len(blocks)] if action[0] not in ("group", "unpack") else MODEL_ID
        op = _make_op(doc, block_id, action)
        if op is None:
            continue
        before = doc.snapshot()
        try:
            history.push(op)
        except EditError:
            assert doc.snapshot() == before      # a refused edit changes nothing
            continue
        event(f"applied {action[0]}")
        problems = doc.problems()                # never raises
        assert all(p.message for p in problems)
        snapshots.append(doc.snapshot())
    final = doc.snapshot()
    # compile succeeds or reports problems attached to nodes
    try:
        compiled = compile_document(doc)
        assert compiled.model.count_params() == doc.total_params()
        event("compiled")
    except CompileError as exc:
        assert exc.problems and all(p.block in doc.blocks for p in exc.problems)
    # save-then-load is identity
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.strata"
        save_project(doc, path)
        loaded = load_project(path)
        assert loaded.snapshot() == final
        assert [p.message for p in loaded.problems()] == [p.message for p in doc.problems()] or \
            sorted(p.message for p in loaded.problems()) == sorted(p.message for p in doc.problems())
    # undo everything restores each earlier state exactly, redo returns to the end
    for expected in reversed(snapshots[:-1]):
        assert history.undo()
        assert doc.snapshot() == expected
    assert doc.snapshot() == start
    while history.redo():
        pass
    assert doc.snapshot() == final


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Dense", "ActivityRegularizationLayer"]), st.integers(1, 5)),
                min_size=1, max_size=6), st.integers(1, 4))
def test_random_chains_compile_with_matching_counts(layers, width):
    doc = Document()
    prev = doc.apply(AddNode(MODEL_ID, "Input", {"shape": (width,)})).node_id
    for type_, units in layers:
        params = {"units": units} if type_ == "Dense" else {"rate": 0.01}
        nid = doc.apply(AddNode(MODEL_ID, type_, params)).node_id
        doc.apply(Connect(MODEL_ID, (prev, "output"), (nid, "inputs")))
        prev = nid
    out = doc.apply(AddNode(MODEL_ID, "Output")).node_id
    doc.apply(Connect(MODEL_ID, (prev, "output"), (out, "inputs")))
    assert doc.problems() == []
    compiled = compile_document(doc)
    assert compiled.model.count_params() == doc.total_params()
    for path, layer in compiled.layers.items():
        assert layer.count_params() == doc.param_count(MODEL_ID, path)
