"""Editing actions of the main window: delete, copy/cut/paste, duplicate, align, distribute
and auto layout (the layered layout of `app.graph.layout`). A mixin of `MainWindow` (like `BlockActions`); every edit goes through
`self.editor.execute` as a document operation, so it is undoable."""

from __future__ import annotations

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from app.canvas import arrange
from app.canvas.clipboard import MIME as NODES_MIME, PasteNodes, copy_nodes
from app.graph import autolayout
from app.graph import document as gdoc
from app.graph import operations as ops
from app.i18n import tr


class EditActions:
    """Selection-based edits; expects `document`, `block_id`, `scene`, `view`, `editor`."""

    def delete_selection(self) -> None:
        nodes = self.scene.selected_node_ids()
        edges = self.scene.selected_edge_ids()
        if nodes:
            self.editor.execute(ops.RemoveNodes(self.block_id, nodes))
        elif edges:
            self.editor.execute(ops.Disconnect(self.block_id, edges))

    def copy(self) -> bool:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            return False
        payload = copy_nodes(self.document, self.block_id, nodes)
        mime = QMimeData()
        mime.setData(NODES_MIME, payload.encode("utf-8"))
        mime.setText(payload)
        QGuiApplication.clipboard().setMimeData(mime)
        return True

    def cut(self) -> None:
        if self.copy():
            self.editor.execute(ops.RemoveNodes(self.block_id, self.scene.selected_node_ids()), text=tr("Cut"))

    def paste(self, offset=(40.0, 40.0)) -> list[str]:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(NODES_MIME):
            return []
        payload = bytes(mime.data(NODES_MIME)).decode("utf-8")
        try:
            op = PasteNodes(self.block_id, payload, offset)
        except gdoc.EditError as error:
            self.statusBar().showMessage(str(error), 6000)
            return []
        if self.editor.execute(op) is None:
            return []
        return self._select_nodes(list(op.new_ids.values()))

    def duplicate(self) -> list[str]:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            return []
        payload = copy_nodes(self.document, self.block_id, nodes)
        op = PasteNodes(self.block_id, payload, (40.0, 40.0))
        op.text = tr("Duplicate")
        if self.editor.execute(op) is None:
            return []
        return self._select_nodes(list(op.new_ids.values()))

    def _select_nodes(self, node_ids: list[str]) -> list[str]:
        """Make `node_ids` the selection; returns them."""
        self.scene.clearSelection()
        for nid in node_ids:
            if nid in self.scene.node_items:
                self.scene.node_items[nid].setSelected(True)
        return node_ids

    def _selected_positions(self) -> dict[str, tuple]:
        block = self.document.blocks[self.block_id]
        return {nid: tuple(block.nodes[nid].position) for nid in self.scene.selected_node_ids()}

    def align(self, how: str) -> None:
        positions = self._selected_positions()
        if len(positions) > 1:
            self.editor.execute(ops.MoveNodes(self.block_id, arrange.align(positions, how)), text=tr("Align"))

    def distribute(self, horizontal: bool) -> None:
        positions = self._selected_positions()
        if len(positions) > 2:
            self.editor.execute(ops.MoveNodes(self.block_id, arrange.distribute(positions, horizontal)),
                                text=tr("Distribute"))

    def auto_layout(self) -> None:
        """Lay out the selection (or the whole block) as a layered graph along the project's
        flow direction (`app.graph.autolayout`)."""
        block = self.document.blocks[self.block_id]
        chosen = self.scene.selected_node_ids() or list(block.nodes)
        if not chosen:
            return
        first = min(block.nodes[n].position[0] for n in chosen), min(block.nodes[n].position[1] for n in chosen)
        layout = autolayout.block_positions(self.document, self.block_id, node_ids=chosen, origin=first)
        self.editor.execute(ops.MoveNodes(self.block_id, layout.positions), text=tr("Auto Layout"))
        self.view.fit_readable()

    def set_layout_direction(self, direction: str) -> None:
        """Make `direction` ("LR" or "TB") the project's flow direction and lay the shown block
        out along it (one undo step)."""
        layout = autolayout.block_positions(self.document, self.block_id, direction=direction)
        change = ops.Composite([ops.SetSetting(autolayout.SETTING, direction),
                                ops.MoveNodes(self.block_id, layout.positions)], tr("Auto Layout"))
        self.editor.execute(change)
        self.view.fit_readable()

    def _sync_direction_checks(self) -> None:
        """Tick the flow direction the project uses (the Arrange menu shows it)."""
        current = autolayout.layout_direction(self.document)
        for direction, action in self.direction_actions.items():
            action.setChecked(direction == current)
