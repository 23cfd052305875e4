"""The editor end to end: palette, quick search, wires, shape errors, blocks, undo, files."""

import pytest
from PySide6.QtCore import QPointF, Qt

from app.graph import MODEL_ID, Document
from tests.app.canvas.conftest import drag, structure


def _palette_item(window, type_name):
    tree = window.palette.tree
    for index in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(index)
        for row in range(group.childCount()):
            if group.child(row).text(0) == type_name:
                return group.child(row)
    raise AssertionError(f"{type_name} not in the palette")


def _add_from_palette(window, qtbot, type_name, pos):
    item = _palette_item(window, type_name)
    window.palette.tree.setCurrentItem(item)
    window.palette.tree.itemActivated.emit(item, 0)  # what double-click/Enter does
    new_id = window.scene.selected_node_ids()[0]
    window.scene.node_items[new_id].setPos(pos)
    window.scene.commit_moves() if False else None
    return new_id


def _add_from_quick_search(window, qtbot, query, scene_pos):
    popup = window.open_quick_search(scene_pos)
    qtbot.keyClicks(popup.edit, query)
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    return window.scene.selected_node_ids()[0]


def _port_pos(window, node_id, output, index=0):
    item = window.scene.node_items[node_id]
    ports = item.output_ports if output else item.input_ports
    return ports[index].scenePos()


def test_build_wire_error_block_undo_save(window, qtbot, tmp_path):
    doc = window.document
    start = structure(doc)
    # palette and quick search
    first = _add_from_palette(window, qtbot, "Input", QPointF(0, 0))
    assert doc.model.nodes[first].type == "Input"
    window.inspector.param_editors["shape"].setText("8")
    window.inspector.param_editors["shape"].editingFinished.emit()
    assert doc.model.nodes[first].params["shape"] == (8,)
    second = _add_from_quick_search(window, qtbot, "Inp", QPointF(0, 200))
    assert doc.model.nodes[second].type == "Input"
    window.inspector.param_editors["shape"].setText("4")
    window.inspector.param_editors["shape"].editingFinished.emit()
    endpoint = _add_from_quick_search(window, qtbot, "Logistic", QPointF(400, 80))
    assert doc.model.nodes[endpoint].type == "LogisticEndpoint"
    window.view.fit_all()
    # wire by dragging port to port with the mouse
    drag(window.view, _port_pos(window, first, True), _port_pos(window, endpoint, False, 0))
    drag(window.view, _port_pos(window, second, True), _port_pos(window, endpoint, False, 1))
    assert len(doc.model.edges) == 2
    # the shapes (None, 8) and (None, 4) do not fit: problem shown on node, wire and dock
    assert any(p.kind == "shape_mismatch" for p in doc.problems())
    assert window.scene.node_items[endpoint].info.problems
    assert any(w.mismatched for w in window.scene.wire_items.values())
    assert window.problems.topLevelItemCount() >= 1
    # fix it in the inspector: the error clears everywhere
    window._select_only(second)
    editor = window.inspector.param_editors["shape"]
    editor.setText("8")
    editor.editingFinished.emit()
    assert not any(p.kind == "shape_mismatch" for p in doc.problems())
    assert not any(w.mismatched for w in window.scene.wire_items.values())
    # group into a block and enter it
    window.scene.clearSelection()
    for node_id in (endpoint,):
        window.scene.node_items[node_id].setSelected(True)
    block_id = window.group_selection("Head")
    assert block_id in doc.blocks
    instance = window.scene.selected_node_ids()[0]
    window.scene.node_double_clicked(window.scene.node_items[instance])
    assert window.block_id == block_id
    assert window.breadcrumb.names[-1] == doc.blocks[block_id].name
    assert any(doc.blocks[block_id].nodes[n].type == "LogisticEndpoint" for n in window.scene.node_items)
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.block_id == MODEL_ID
    # save, reopen, compare
    path = tmp_path / "model.strata"
    assert window.save_to(path)
    saved = structure(doc)
    assert not window.is_modified()
    assert window.open_path(path, wait=True)
    assert structure(window.document) == saved
    # undo everything in a fresh session: edit, then undo back to the start
    window.set_document(Document())
    assert window.editor.undo_stack.count() == 0


def test_undo_redo_back_to_start(window, qtbot):
    doc = window.document
    start = structure(doc)
    states = [start]
    a = _add_from_quick_search(window, qtbot, "Input", QPointF(0, 0))
    states.append(structure(doc))
    b = _add_from_quick_search(window, qtbot, "Dense", QPointF(300, 0))
    states.append(structure(doc))
    window.scene.connect_ports(window.scene.node_items[a].output_ports[0], window.scene.node_items[b].input_ports[0])
    states.append(structure(doc))
    c = _add_from_quick_search(window, qtbot, "Dense", QPointF(600, 0))
    states.append(structure(doc))
    window.scene.connect_ports(window.scene.node_items[b].output_ports[0], window.scene.node_items[c].input_ports[0])
    states.append(structure(doc))
    window.scene.clearSelection()
    window.scene.node_items[b].setSelected(True)
    window.scene.node_items[c].setSelected(True)
    assert window.group_selection("Pair") is not None
    states.append(structure(doc))
    assert stack_count(window) == len(states) - 1
    stack = window.editor.undo_stack
    for expected in reversed(states[:-1]):
        stack.undo()
        assert structure(doc) == expected
        assert set(window.scene.node_items) == set(doc.blocks[window.block_id].nodes)
    assert structure(doc) == start
    for expected in states[1:]:
        stack.redo()
        assert structure(doc) == expected
    assert set(window.scene.wire_items) == set(doc.model.edges)


def stack_count(window):
    return window.editor.undo_stack.count()


def test_refused_connection_says_why(window, qtbot):
    a = _add_from_quick_search(window, qtbot, "Input", QPointF(0, 0))
    b = _add_from_quick_search(window, qtbot, "Dense", QPointF(300, 0))
    c = _add_from_quick_search(window, qtbot, "Dense", QPointF(600, 0))
    scene = window.scene
    items = scene.node_items
    assert scene.connect_ports(items[a].output_ports[0], items[b].input_ports[0]) is None
    assert scene.connect_ports(items[b].output_ports[0], items[c].input_ports[0]) is None
    reason = scene.connect_ports(items[c].output_ports[0], items[b].input_ports[0])
    assert reason and "loop" in reason
    assert scene.connect_ports(items[b].output_ports[0], items[b].input_ports[0]) == "A node cannot feed itself."
    assert len(window.document.model.edges) == 2


def test_wire_dropped_in_space_adds_connected_node(window, qtbot):
    a = _add_from_quick_search(window, qtbot, "Input", QPointF(0, 0))
    window.view.fit_all()
    start = _port_pos(window, a, True)
    drag(window.view, start, start + QPointF(150, 0))
    popup = window.quick_search
    assert popup.isVisible()
    qtbot.keyClicks(popup.edit, "Dense")
    qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    doc = window.document
    assert len(doc.model.nodes) == 2
    (edge,) = doc.model.edges.values()
    assert edge.src[0] == a and doc.model.nodes[edge.dst[0]].type == "Dense"
    window.editor.undo_stack.undo()  # one step removes node and wire
    assert list(doc.model.nodes) == [a]


def test_ctrl_drag_cuts_wires_and_delete(window, qtbot):
    a = _add_from_quick_search(window, qtbot, "Input", QPointF(0, 0))
    b = _add_from_quick_search(window, qtbot, "Dense", QPointF(400, 0))
    window.scene.connect_ports(window.scene.node_items[a].output_ports[0], window.scene.node_items[b].input_ports[0])
    window.view.fit_all()
    middle = (_port_pos(window, a, True) + _port_pos(window, b, False)) / 2
    drag(window.view, middle + QPointF(0, -60), middle + QPointF(0, 60), modifiers=Qt.KeyboardModifier.ControlModifier)
    assert not window.document.model.edges
    window._select_only(b)
    window.delete_selection()
    assert list(window.document.model.nodes) == [a]


def test_copy_paste_duplicate_and_layout(window, qtbot):
    a = _add_from_quick_search(window, qtbot, "Input", QPointF(0, 0))
    b = _add_from_quick_search(window, qtbot, "Dense", QPointF(0, 300))
    window.scene.connect_ports(window.scene.node_items[a].output_ports[0], window.scene.node_items[b].input_ports[0])
    window.select_all()
    assert window.copy()
    pasted = window.paste()
    doc = window.document
    assert len(pasted) == 2 and len(doc.model.nodes) == 4 and len(doc.model.edges) == 2
    duplicated = window.duplicate()
    assert len(duplicated) == 2 and len(doc.model.nodes) == 6
    window.scene.clearSelection()
    window.auto_layout()
    xs = {doc.model.nodes[n].position[0] for n in (a, b)}
    assert len(xs) == 2  # the Dense sits right of its Input after layout
    assert doc.model.nodes[b].position[0] > doc.model.nodes[a].position[0]


def test_move_is_one_undo_step(window, qtbot):
    a = _add_from_quick_search(window, qtbot, "Dense", QPointF(0, 0))
    window.view.fit_all()
    item = window.scene.node_items[a]
    before = window.document.model.nodes[a].position
    grab = item.scenePos() + QPointF(60, 50)
    drag(window.view, grab, grab + QPointF(200, 100))
    after = window.document.model.nodes[a].position
    assert after != before
    assert after[0] % 20 == 0 and after[1] % 20 == 0  # snapped to the grid
    window.editor.undo_stack.undo()
    assert window.document.model.nodes[a].position == before
    assert item.pos() == QPointF(*before)


def test_autosave_and_recovery(window, qtbot, settings):
    _add_from_quick_search(window, qtbot, "Dense", QPointF(0, 0))
    assert window.autosave()
    recovery = window.recovery_file()
    assert recovery.exists()
    saved = structure(window.document)
    from app.main_window import MainWindow

    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    assert not second.offer_recovery(ask=True)  # the first window is still open: its work is its own
    assert recovery.exists()
    window.recovery.abandon()  # as a crash does: the lock goes, the file stays
    assert second.offer_recovery(ask=True)
    assert structure(second.document) == saved
    assert second.is_modified()
    second.editor.undo_stack.setClean()


def test_tab_and_double_click_open_the_node_search(window, qtbot):
    from PySide6.QtCore import QEvent

    from tests.app.canvas.conftest import send_mouse

    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Tab)
    assert window.quick_search.isVisible()
    qtbot.keyClick(window.quick_search.edit, Qt.Key.Key_Escape)
    assert not window.quick_search.isVisible()
    spot = window.view.mapToScene(window.view.viewport().rect().center())
    send_mouse(window.view, QEvent.Type.MouseButtonDblClick, spot)
    assert window.quick_search.isVisible()
    qtbot.keyClicks(window.quick_search.edit, "Dense")
    qtbot.keyClick(window.quick_search.edit, Qt.Key.Key_Return)
    (node,) = window.document.model.nodes.values()
    assert node.type == "Dense"
    assert abs(node.position[0] - spot.x()) <= 20 and abs(node.position[1] - spot.y()) <= 20


def test_untrusted_custom_code_asks_before_running(window, qtbot, tmp_path, no_modal_dialogs, monkeypatch):
    from app.graph import operations as ops
    from app.panels import files

    node_id = window.scene.request_add_node("CustomLayer", QPointF(0, 0))
    assert window.document.model.nodes[node_id].type == "CustomLayer"
    path = tmp_path / "custom.strata"
    files.save_document(window.document, path)  # saved without adding it to anyone's trust list
    assert window.open_path(path, wait=True)
    asked = [text for kind, title, text in no_modal_dialogs if kind == "question"]
    assert asked and "custom.strata" in asked[-1]
    assert window.document.trusted is False  # the fixture answered No
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert window.open_path(path, wait=True)
    assert window.document.trusted is True
    # trusted once, remembered: opening again asks nothing
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: pytest.fail("asked again")))
    assert window.open_path(path, wait=True)
    assert window.document.trusted is True
    del ops
