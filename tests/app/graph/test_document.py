"""Document structure, reversible operations, notifications, grouping and unpacking."""

import ast
import pathlib

import pytest

from app.graph import (
    BLOCK, MODEL_ID, NODE_ADDED, PROBLEMS_CHANGED, SHAPES_CHANGED, AddBlock, AddNode, Connect, Disconnect,
    Document, EditError, GroupIntoBlock, History, MoveNodes, RemoveNodes, SetLabel, SetParams,
    SetSharedWeights, UnpackBlock,
)
from tests.app.graph.helpers import add, mlp_document, wire


def test_no_qt_imports_in_graph_package():
    root = pathlib.Path(__file__).resolve().parents[3] / "app" / "graph"
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                    "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6")]
    assert offenders == []
    assert len(list(root.rglob("*.py"))) >= 8


def test_shapes_and_params_follow_edits():
    doc, (i, d1, d2, o) = mlp_document()
    assert doc.output_shapes(MODEL_ID, d1) == {"output": (None, 32)}
    assert doc.param_count(MODEL_ID, d1) == 8 * 32 + 32
    assert doc.total_params() == 8 * 32 + 32 + 32 * 10 + 10
    assert doc.problems() == []
    doc.apply(SetParams(MODEL_ID, d1, {"units": 5}))
    assert doc.param_count(MODEL_ID, d2) == 5 * 10 + 10
    edge = doc.edges_into(MODEL_ID, d2)[0]
    assert doc.edge_shape(MODEL_ID, edge.id) == (None, 5)


def test_every_operation_undoes_exactly_and_redoes():
    doc, (i, d1, d2, o) = mlp_document()
    history = History(doc)
    before = doc.snapshot()
    ops = [
        SetParams(MODEL_ID, d1, {"units": 7}),
        SetLabel(MODEL_ID, d2, "head"),
        MoveNodes(MODEL_ID, {d1: (5, 6)}),
        RemoveNodes(MODEL_ID, [d1]),
        AddNode(MODEL_ID, "Dense", {"units": 3}),
    ]
    states = [before]
    for op in ops:
        history.push(op)
        states.append(doc.snapshot())
    for state in reversed(states[:-1]):
        assert history.undo()
        assert doc.snapshot() == state
    for state in states[1:]:
        assert history.redo()
        assert doc.snapshot() == state


def test_notifications_reach_observers_and_unsubscribe():
    doc = Document()
    seen = []
    unsubscribe = doc.subscribe(seen.append)
    nid = add(doc, "Dense", {"units": 4})
    kinds = [c.kind for c in seen]
    assert kinds[0] == NODE_ADDED and seen[0].node == nid
    assert PROBLEMS_CHANGED in kinds and SHAPES_CHANGED in kinds
    unsubscribe()
    add(doc, "Dense", {"units": 4})
    assert [c.kind for c in seen] == kinds


def test_bad_edits_raise_edit_error_and_change_nothing():
    doc, (i, d1, d2, o) = mlp_document()
    before = doc.snapshot()
    with pytest.raises(EditError, match="no output port 'nope'"):
        doc.apply(Connect(MODEL_ID, (d1, "nope"), (d2, "inputs")))
    with pytest.raises(EditError, match="No node"):
        doc.apply(SetParams(MODEL_ID, "n999", {"units": 1}))
    with pytest.raises(EditError, match="port of the block"):
        doc.apply(GroupIntoBlock(MODEL_ID, [i, d1]))
    with pytest.raises(EditError):
        doc.apply(SetSharedWeights(MODEL_ID, d1, True))
    assert doc.snapshot() == before


def test_connect_replaces_existing_edge_into_single_port():
    doc, (i, d1, d2, o) = mlp_document()
    op = doc.apply(Connect(MODEL_ID, (i, "output"), (d2, "inputs")))
    assert [e.src[0] for e in doc.edges_into(MODEL_ID, d2)] == [i]
    assert any(p.kind == "dangling_output" and p.node == d1 for p in doc.problems())
    doc.revert(op)
    assert [e.src[0] for e in doc.edges_into(MODEL_ID, d2)] == [d1]


def test_group_derives_ports_from_cut_edges_and_unpack_restores_graph():
    doc, (i, d1, d2, o) = mlp_document()
    total = doc.total_params()
    group = doc.apply(GroupIntoBlock(MODEL_ID, [d1, d2], "MLPBlock"))
    definition = doc.blocks[group.block_id]
    assert definition.name == "MLPBlock"
    assert [p.name for p in doc.input_ports(MODEL_ID, group.instance_id)] == ["input_1"] or \
        len(doc.input_ports(MODEL_ID, group.instance_id)) == 1
    assert len(doc.output_ports(MODEL_ID, group.instance_id)) == 1
    assert set(doc.model.nodes) == {i, o, group.instance_id}
    assert doc.total_params() == total and doc.problems() == []
    assert doc.output_shapes(MODEL_ID, group.instance_id) == {doc.output_ports(MODEL_ID, group.instance_id)[0].name:
                                                              (None, 10)}
    unpack = doc.apply(UnpackBlock(MODEL_ID, group.instance_id))
    assert doc.total_params() == total and doc.problems() == []
    assert len(doc.model.nodes) == 4
    doc.revert(unpack)
    doc.revert(group)
    assert set(doc.model.nodes) == {i, d1, d2, o} and group.block_id not in doc.blocks


def test_editing_definition_changes_every_instance():
    doc, (i, d1, o) = mlp_document(units=(6,), input_dim=6)
    group = doc.apply(GroupIntoBlock(MODEL_ID, [d1], "Inner"))
    second = add(doc, BLOCK, block_ref=group.block_id)
    port_in = doc.input_ports(MODEL_ID, second)[0].name
    port_out = doc.output_ports(MODEL_ID, second)[0].name
    doc.apply(Disconnect(MODEL_ID, [e.id for e in doc.edges_into(MODEL_ID, o)]))
    wire(doc, group.instance_id, second, src_port=port_out, dst_port=port_in)
    wire(doc, second, o, src_port=port_out)
    assert doc.problems() == []
    assert doc.param_count(MODEL_ID, second) == 6 * 6 + 6
    doc.apply(SetParams(group.block_id, d1, {"units": 4}))
    assert doc.param_count(MODEL_ID, group.instance_id) == 6 * 4 + 4
    assert doc.param_count(MODEL_ID, second) == 4 * 4 + 4
    assert doc.total_params() == 28 + 20
    doc.apply(SetParams(group.block_id, d1, {"units": 0}))
    problems = doc.problems(MODEL_ID)
    assert {p.node for p in problems if p.kind == "block"} == {group.instance_id}
    inner = doc.problems(group.block_id, d1)
    assert inner[0].kind == "invalid_parameter" and inner[0].param == "units" and "units=0" in inner[0].message


def test_add_block_and_self_containment_refused():
    doc = Document()
    op = doc.apply(AddBlock("Res Block"))
    assert doc.blocks[op.block_id].name == "ResBlock"
    with pytest.raises(EditError, match="cannot contain itself"):
        doc.apply(AddNode(op.block_id, BLOCK, block_ref=op.block_id))
