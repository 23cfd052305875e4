"""The canvas scene: a live QGraphicsScene view of one block of the document.

Items are created and updated only from document notifications. User gestures (drop a
layer, drag a wire, move nodes, cut wires) become operations run through the `Editor`, so
each is one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, Qt, Signal
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene, QToolTip

from app.canvas.doc_view import connection_error, format_shape, node_info
from app.canvas.node_item import NodeItem
from app.canvas.port_item import PortItem
from app.canvas.style import make_style
from app.canvas.view import GRID
from app.canvas.wire_item import WireItem
from app.graph import document as gdoc
from app.graph import operations as ops


class GraphScene(QGraphicsScene):
    """Shows block `block_id` of the editor's document and turns gestures into edits."""

    enter_block_requested = Signal(str)          # block definition id
    edit_code_requested = Signal(str)            # node id of a Custom Layer
    wire_dropped_in_space = Signal(object, object, QPointF)  # (node id, port name, is_output), scene pos
    selection_nodes_changed = Signal(list)
    rebuilt = Signal()  # every item was recreated (another block shown, New/Open, reset)
    styleChanged = Signal()  # another theme or presentation size

    def __init__(self, editor, block_id: str = gdoc.MODEL_ID, canvas_style=None, parent=None):
        super().__init__(parent)
        self.editor = editor
        self.block_id = block_id
        self.canvas_style = canvas_style or make_style()
        self.snap_enabled = True
        self.node_items: dict[str, NodeItem] = {}
        self.wire_items: dict[str, WireItem] = {}
        self.dragging_wire = False
        self._drag_port: PortItem | None = None
        self._drag_wire: WireItem | None = None
        self._press_positions: dict[str, tuple] = {}
        self._cut_line: QGraphicsLineItem | None = None
        self._syncing = False
        self._unsubscribe = None
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.selectionChanged.connect(self._emit_selection)
        self.attach(editor.document, block_id)

    # ----- document binding -------------------------------------------------------------------
    @property
    def document(self):
        return self.editor.document

    def attach(self, document, block_id: str) -> None:
        """Show `block_id` of `document` (after Open, New, entering or leaving a block)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.block_id = block_id
        self._unsubscribe = document.subscribe(self._on_change)
        self.rebuild()

    def detach(self) -> None:
        """Stop following the document (the scene is being thrown away)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def rebuild(self) -> None:
        """Recreate every item from the document."""
        self._syncing = True
        try:
            for item in list(self.wire_items.values()) + list(self.node_items.values()):
                self.removeItem(item)
            self.node_items.clear()
            self.wire_items.clear()
            block = self.document.blocks.get(self.block_id)
            if block is None:
                return
            for node in block.nodes.values():
                self._add_node_item(node)
            for edge in block.edges.values():
                self._add_wire_item(edge)
            self.refresh_states()
        finally:
            self._syncing = False
        self.rebuilt.emit()

    def _add_node_item(self, node) -> NodeItem:
        item = NodeItem(node_info(self.document, self.block_id, node), self.canvas_style)
        self.addItem(item)
        self.node_items[node.id] = item
        return item

    def _add_wire_item(self, edge) -> WireItem | None:
        source = self.node_items.get(edge.src[0])
        target = self.node_items.get(edge.dst[0])
        if source is None or target is None:
            return None
        source_port = source.port(edge.src[1], True)
        target_port = target.port(edge.dst[1], False)
        if source_port is None or target_port is None:
            return None
        wire = WireItem(source_port, target_port, edge.id, self.canvas_style)
        self.addItem(wire)
        self.wire_items[edge.id] = wire
        return wire

    def _on_change(self, change) -> None:
        kind = change.kind
        if kind == gdoc.RESET or (kind == gdoc.BLOCK_REMOVED and change.block == self.block_id):
            if self.block_id not in self.document.blocks:
                self.block_id = gdoc.MODEL_ID
            self.rebuild()
            return
        if kind in (gdoc.SHAPES_CHANGED, gdoc.PROBLEMS_CHANGED, gdoc.BLOCK_CHANGED, gdoc.BLOCK_ADDED):
            self.refresh_states()
            return
        if change.block != self.block_id:
            return
        block = self.document.blocks[self.block_id]
        self._syncing = True
        try:
            if kind == gdoc.NODE_ADDED:
                self._add_node_item(block.nodes[change.node])
            elif kind == gdoc.NODE_REMOVED:
                item = self.node_items.pop(change.node, None)
                if item is not None:
                    self.removeItem(item)
            elif kind == gdoc.NODE_CHANGED:
                item = self.node_items.get(change.node)
                node = block.nodes.get(change.node)
                if item is not None and node is not None:
                    if change.key == "position":
                        item.setPos(QPointF(*node.position))
                        self._refresh_wires_of(item)
                    else:
                        item.set_info(node_info(self.document, self.block_id, node))
                        self._reattach_wires(change.node)
            elif kind == gdoc.EDGE_ADDED:
                self._add_wire_item(block.edges[change.edge])
            elif kind == gdoc.EDGE_REMOVED:
                wire = self.wire_items.pop(change.edge, None)
                if wire is not None:
                    self.removeItem(wire)
        finally:
            self._syncing = False

    def _reattach_wires(self, node_id: str) -> None:
        """Ports may have been rebuilt (custom code changed): re-create that node's wires."""
        block = self.document.blocks[self.block_id]
        for edge in block.edges.values():
            if node_id in (edge.src[0], edge.dst[0]):
                old = self.wire_items.pop(edge.id, None)
                if old is not None:
                    self.removeItem(old)
                self._add_wire_item(edge)

    def refresh_states(self) -> None:
        """Re-read shapes, parameter counts and problems for every item."""
        block = self.document.blocks.get(self.block_id)
        if block is None:
            return
        for node_id, item in self.node_items.items():
            node = block.nodes.get(node_id)
            if node is not None:
                info = node_info(self.document, self.block_id, node)
                if info != item.info:
                    item.set_info(info)
        mismatched: dict[tuple, str] = {}
        try:
            for problem in self.document.problems(self.block_id):
                if problem.kind == "shape_mismatch" and problem.node:
                    mismatched[(problem.node, problem.port)] = problem.message
        except Exception:
            pass
        for edge_id, wire in self.wire_items.items():
            edge = block.edges.get(edge_id)
            if edge is None:
                continue
            try:
                shape = self.document.edge_shape(self.block_id, edge_id)
            except Exception:
                shape = None
            message = mismatched.get((edge.dst[0], edge.dst[1])) or mismatched.get((edge.dst[0], None), "")
            wire.set_state(format_shape(shape), bool(message), message)
        for port_item in self._all_ports():
            port_item.connected = False
        for wire in self.wire_items.values():
            wire.source_port.connected = True
            wire.target_port.connected = True
        for wire in self.wire_items.values():
            wire.refresh()

    def set_canvas_style(self, canvas_style) -> None:
        """Repaint every item in another theme / presentation size."""
        self.canvas_style = canvas_style
        for item in self.node_items.values():
            item.set_canvas_style(canvas_style)
        for wire in self.wire_items.values():
            wire.canvas_style = canvas_style
            wire.update()
        self.update()
        self.styleChanged.emit()

    # ----- helpers used by items --------------------------------------------------------------
    def snap_point(self, point: QPointF) -> QPointF:
        """`point` on the grid when snapping is on (never while following the document)."""
        if not self.snap_enabled or self._syncing:
            return point
        return QPointF(round(point.x() / GRID) * GRID, round(point.y() / GRID) * GRID)

    def node_moved(self, item: NodeItem) -> None:
        self._refresh_wires_of(item)

    def _refresh_wires_of(self, item: NodeItem) -> None:
        node_id = item.info.node_id
        for wire in self.wire_items.values():
            if wire.source_port.node_item is item or wire.target_port.node_item is item:
                wire.refresh()
        del node_id

    def node_double_clicked(self, item: NodeItem) -> None:
        node = self.document.blocks[self.block_id].nodes.get(item.info.node_id)
        if node is None:
            return
        if node.type == gdoc.BLOCK and node.block:
            self.enter_block_requested.emit(node.block)
        elif node.type == gdoc.CUSTOM:
            self.edit_code_requested.emit(node.id)

    def selected_node_ids(self) -> list[str]:
        """Ids of the selected nodes, in document order."""
        chosen = {item.info.node_id for item in self.selectedItems() if isinstance(item, NodeItem)}
        return [nid for nid in self.document.blocks[self.block_id].nodes if nid in chosen]

    def selected_edge_ids(self) -> list[str]:
        return [item.edge_id for item in self.selectedItems() if isinstance(item, WireItem) and item.edge_id]

    def _emit_selection(self) -> None:
        try:
            self.selection_nodes_changed.emit(self.selected_node_ids())
        except RuntimeError:
            pass

    def _all_ports(self):
        for item in self.node_items.values():
            yield from item.input_ports
            yield from item.output_ports

    # ----- adding nodes -----------------------------------------------------------------------
    def request_add_node(self, type_name: str, scene_pos: QPointF, block_ref: str | None = None):
        """Add a node of `type_name` at `scene_pos` (one undo step); returns its id or None.

        `type_name` may be "block:<definition id>" (a block from the library)."""
        if type_name.startswith("block:"):
            type_name, block_ref = gdoc.BLOCK, type_name.split(":", 1)[1]
        pos = self.snap_point(scene_pos)
        op = ops.AddNode(self.block_id, type_name, position=(pos.x(), pos.y()), block_ref=block_ref)
        done = self.editor.execute(op)
        return op.node_id if done is not None else None

    def add_and_connect(self, type_name: str, scene_pos: QPointF, from_port: tuple, block_ref=None):
        """Add a node and wire it to `from_port` = (node id, port name, is_output), one undo step."""
        pos = self.snap_point(scene_pos)
        add = ops.AddNode(self.block_id, type_name, position=(pos.x(), pos.y()), block_ref=block_ref)
        node_id, port_name, is_output = from_port

        class _AddThenConnect(ops.Composite):
            def _run(inner, doc, rec):
                add.apply(doc)
                inner.operations = [add]
                ports = doc.input_ports(self.block_id, add.node_id) if is_output else \
                    doc.output_ports(self.block_id, add.node_id)
                if ports:
                    if is_output:
                        connect = ops.Connect(self.block_id, (node_id, port_name), (add.node_id, ports[0].name))
                    else:
                        connect = ops.Connect(self.block_id, (add.node_id, ports[0].name), (node_id, port_name))
                    try:
                        connect.apply(doc)
                    except Exception:
                        add.revert(doc)
                        raise
                    inner.operations.append(connect)

        done = self.editor.execute(_AddThenConnect([], text=f"Add {type_name}"))
        return add.node_id if done is not None else None

    # ----- wire dragging ----------------------------------------------------------------------
    def begin_wire_drag(self, port: PortItem, scene_pos: QPointF) -> None:
        self.dragging_wire = True
        self._drag_port = port
        if port.is_output:
            self._drag_wire = WireItem(port, None, None, self.canvas_style)
        else:
            self._drag_wire = WireItem(None, port, None, self.canvas_style)
        self._drag_wire.set_loose_end(scene_pos)
        self.addItem(self._drag_wire)
        self.highlight_compatible_ports(port)

    def update_wire_drag(self, scene_pos: QPointF) -> None:
        if self._drag_wire is not None:
            self._drag_wire.set_loose_end(scene_pos)
            target = self._port_at(scene_pos, not self._drag_port.is_output)
            if target is not None:
                reason = self._connection_reason(self._drag_port, target)
                if reason:
                    QToolTip.showText(self._screen_pos(scene_pos), reason)
                else:
                    QToolTip.hideText()

    def finish_wire_drag(self, scene_pos: QPointF) -> str | None:
        """Connect to the port under `scene_pos`; returns the refusal reason if refused."""
        port = self._drag_port
        if self._drag_wire is not None:
            self.removeItem(self._drag_wire)
        self._drag_wire = None
        self._drag_port = None
        self.dragging_wire = False
        self.clear_port_highlights()
        if port is None:
            return None
        target = self._port_at(scene_pos, not port.is_output)
        if target is None:
            under = [i for i in self.items(scene_pos) if isinstance(i, (NodeItem, PortItem))]
            if not under:
                self.wire_dropped_in_space.emit((port.node_id, port.name, port.is_output), None, scene_pos)
            return None
        return self.connect_ports(port, target)

    def connect_ports(self, first: PortItem, second: PortItem) -> str | None:
        """Wire two ports (either order); returns why not, or None on success."""
        reason = self._connection_reason(first, second)
        if reason:
            QToolTip.showText(self._screen_pos(second.scenePos()), reason)
            self.editor.refused.emit(reason)
            return reason
        source, target = (first, second) if first.is_output else (second, first)
        self.editor.execute(ops.Connect(self.block_id, (source.node_id, source.name), (target.node_id, target.name)))
        return None

    def _connection_reason(self, first: PortItem, second: PortItem) -> str | None:
        if first.is_output == second.is_output:
            return "Connect an output (right) to an input (left)."
        source, target = (first, second) if first.is_output else (second, first)
        return connection_error(self.document, self.block_id, (source.node_id, source.name),
                                (target.node_id, target.name))

    def _port_at(self, scene_pos: QPointF, want_output: bool) -> PortItem | None:
        best, best_distance = None, 14.0
        for port in self._all_ports():
            if port.is_output != want_output:
                continue
            distance = QLineF(port.scenePos(), scene_pos).length()
            if distance < best_distance:
                best, best_distance = port, distance
        if best is None:  # dropped on a node body: its first port on that side
            for item in self.items(scene_pos):
                if isinstance(item, NodeItem):
                    ports = item.output_ports if want_output else item.input_ports
                    free = [p for p in ports if not p.connected] or ports
                    return free[0] if free else None
        return best

    def highlight_compatible_ports(self, port: PortItem) -> None:
        for other in self._all_ports():
            other.set_highlighted(other.is_output != port.is_output and not self._connection_reason(port, other))

    def clear_port_highlights(self) -> None:
        for other in self._all_ports():
            other.set_highlighted(False)

    def _screen_pos(self, scene_pos: QPointF):
        views = self.views()
        if not views:
            from PySide6.QtCore import QPoint

            return QPoint(0, 0)
        view = views[0]
        return view.viewport().mapToGlobal(view.mapFromScene(scene_pos))

    # ----- moving and cutting -----------------------------------------------------------------
    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and event.modifiers() & Qt.KeyboardModifier.ControlModifier \
                and not any(isinstance(i, (NodeItem, PortItem)) for i in self.items(event.scenePos())):
            self._cut_line = QGraphicsLineItem(QLineF(event.scenePos(), event.scenePos()))
            self._cut_line.setPen(QPen(self.canvas_style.error, 1.5, Qt.PenStyle.DashLine))
            self._cut_line.setZValue(10)
            self.addItem(self._cut_line)
            event.accept()
            return
        super().mousePressEvent(event)
        self._press_positions = {nid: (item.pos().x(), item.pos().y()) for nid, item in self.node_items.items()
                                 if item.isSelected()}

    def mouseMoveEvent(self, event):
        if self._cut_line is not None:
            line = self._cut_line.line()
            line.setP2(event.scenePos())
            self._cut_line.setLine(line)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._cut_line is not None:
            line = self._cut_line.line()
            self.removeItem(self._cut_line)
            self._cut_line = None
            self.cut_wires(line.p1(), line.p2())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self.commit_moves()

    def commit_moves(self) -> None:
        """Turn node drags since the last press into one Move step."""
        moved = {}
        for node_id, before in self._press_positions.items():
            item = self.node_items.get(node_id)
            if item is not None and (item.pos().x(), item.pos().y()) != before:
                moved[node_id] = (item.pos().x(), item.pos().y())
        self._press_positions = {}
        if moved:
            self.editor.execute(ops.MoveNodes(self.block_id, moved))

    def cut_wires(self, start: QPointF, end: QPointF) -> list[str]:
        """Disconnect every wire crossing the segment start-end (one undo step)."""
        cut = QLineF(start, end)
        crossed = [wire.edge_id for wire in self.wire_items.values()
                   if wire.edge_id and _crosses(wire.curve(), cut)]
        if crossed:
            self.editor.execute(ops.Disconnect(self.block_id, crossed), text="Cut wires")
        return crossed


def _crosses(curve: QPainterPath, cut: QLineF) -> bool:
    """Whether the segment `cut` crosses the flattened curve."""
    for polygon in curve.toSubpathPolygons():
        for index in range(polygon.count() - 1):
            kind, _ = QLineF(polygon.at(index), polygon.at(index + 1)).intersects(cut)
            if kind == QLineF.IntersectionType.BoundedIntersection:
                return True
    return False
