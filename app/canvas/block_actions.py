"""Block commands of the main window: group, unpack, fold repeats, enter/leave, rename, duplicate
definition."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from app.graph import document as gdoc
from app.graph import operations as ops
from app.graph.grouping import GroupIntoBlock, UnpackBlock
from app.i18n import tr


class BlockActions:
    """Mixed into MainWindow (uses its editor, scene, view, breadcrumb, inspector, block_path)."""

    # ----- blocks -----------------------------------------------------------------------------
    def group_selection(self, name: str = "Block"):
        """Group the selected nodes into a new block (one step); returns the new block id."""
        nodes = self.scene.selected_node_ids()
        if not nodes:
            self.statusBar().showMessage(tr("Select the nodes to group first."), 5000)
            return None
        op = GroupIntoBlock(self.block_id, nodes, name)
        if self.editor.execute(op, text=tr("Group into Block")) is None:
            return None
        self._select_only(op.instance_id)
        return op.block_id

    def fold_repeated_blocks(self):
        """Fold the Model's repeated structure into linked block instances (one undo step);
        returns the operation, or None when nothing repeats."""
        from app.graph.fold_op import FoldRepeatedBlocks

        if self.block_id != gdoc.MODEL_ID:
            self.statusBar().showMessage(tr("Fold Repeated Blocks works on the Model: leave the block first."), 6000)
            return None
        op = FoldRepeatedBlocks(self.document)
        if not op.plan.definitions:
            self.statusBar().showMessage(tr("No repeated structure to fold."), 6000)
            return None
        if self.editor.execute(op, text=tr("Fold Repeated Blocks")) is None:
            return None
        self.statusBar().showMessage(tr("Folded {} repeats into {} block definitions.").format(
            op.plan.instance_count, len(op.plan.definitions)), 6000)
        self.view.fit_readable()
        return op

    def _unpack(self, node_id: str) -> None:
        self.editor.execute(UnpackBlock(self.block_id, node_id), text=tr("Unpack Block"))

    def unpack_selection(self) -> None:
        for node_id in self.scene.selected_node_ids():
            if self.document.blocks[self.block_id].nodes[node_id].type == gdoc.BLOCK:
                self._unpack(node_id)

    def enter_block(self, block_ref: str) -> None:
        """Show the inside of a block definition; the breadcrumb grows."""
        if block_ref not in self.document.blocks:
            return
        self.block_path.append(block_ref)
        self.scene.attach(self.document, block_ref)
        self._update_breadcrumb()
        self.inspector.show_node(block_ref, None)
        self.view.fit_readable()

    def enter_selected_block(self) -> None:
        block = self.document.blocks[self.block_id]
        for node_id in self.scene.selected_node_ids():
            if block.nodes[node_id].type == gdoc.BLOCK:
                self.enter_block(block.nodes[node_id].block)
                return

    def leave_block(self) -> None:
        """Back out one level (Escape)."""
        if self.quick_search.isVisible():
            self.quick_search.hide()
            return
        if len(self.block_path) > 1:
            self.go_to_depth(len(self.block_path) - 2)
        else:
            self.scene.clearSelection()

    def go_to_depth(self, depth: int) -> None:
        left = self.block_path[depth + 1] if depth + 1 < len(self.block_path) else None
        self.block_path = self.block_path[: depth + 1]
        self.scene.attach(self.document, self.block_id)
        self._update_breadcrumb()
        self.inspector.show_node(self.block_id, None)
        if left is not None:
            for node_id, item in self.scene.node_items.items():
                node = self.document.blocks[self.block_id].nodes[node_id]
                if node.type == gdoc.BLOCK and node.block == left:
                    self._select_only(node_id)
                    self.view.centerOn(item)
                    break

    def _update_breadcrumb(self) -> None:
        self.breadcrumb.set_path([self.document.blocks[b].name for b in self.block_path])

    def rename_block(self, name: str | None = None) -> None:
        """Rename the block shown (inside) or the selected instance's definition."""
        target = None
        block = self.document.blocks[self.block_id]
        for node_id in self.scene.selected_node_ids():
            if block.nodes[node_id].type == gdoc.BLOCK:
                target = block.nodes[node_id].block
        if target is None and self.block_id != gdoc.MODEL_ID:
            target = self.block_id
        if target is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(self, tr("Rename Block"), tr("Class name"),
                                            text=self.document.blocks[target].name)
            if not ok:
                return
        self.editor.execute(ops.RenameBlock(target, name))
        self._update_breadcrumb()

    def duplicate_definition(self, node_id: str | None = None):
        """Give a block instance its own copy of the definition (unlinks it)."""
        block = self.document.blocks[self.block_id]
        if node_id is None:
            chosen = [n for n in self.scene.selected_node_ids() if block.nodes[n].type == gdoc.BLOCK]
            if not chosen:
                return None
            node_id = chosen[0]
        op = DuplicateDefinition(self.block_id, node_id)
        if self.editor.execute(op) is None:
            return None
        return op.new_block_id

    def edit_custom_code(self, node_id: str) -> None:
        from app.panels.custom_code_dialog import CustomCodeDialog

        node = self.document.blocks[self.block_id].nodes.get(node_id)
        if node is None:
            return
        dialog = CustomCodeDialog(node.params.get("source", ""), self, dark=self.theme == "dark")
        problems = [p for p in self.document.problems(self.block_id, node_id) if p.line]
        if problems:
            dialog.editor.mark_line(problems[0].line)
        if dialog.exec():
            source = dialog.source()
            if source != node.params.get("source"):
                self.editor.execute(ops.SetParams(self.block_id, node_id, {"source": source}), text=tr("Edit code"))


class DuplicateDefinition(ops.Operation):
    """Copy an instance's block definition and point the instance at the copy."""

    text = "Duplicate as new definition"

    def __init__(self, block: str, node_id: str):
        super().__init__()
        self.block, self.node_id = block, node_id
        self.new_block_id: str | None = None

    def _run(self, doc, rec):
        node = doc.node(self.block, self.node_id)
        if node.type != gdoc.BLOCK:
            raise gdoc.EditError(f"{doc.display_name(self.block, self.node_id)} is not a block instance.")
        source = doc.block(node.block)
        copy_def = source.copy()
        self.new_block_id = self.new_block_id or doc.new_id("b")
        copy_def.id = self.new_block_id
        copy_def.name = ops.unique_block_name(doc, source.name)
        # fresh node/edge ids so ids stay unique across the document
        id_map = {}
        for old_id in list(copy_def.nodes):
            id_map[old_id] = doc.new_id("n")
        nodes = {}
        for old_id, inner in copy_def.nodes.items():
            inner.id = id_map[old_id]
            nodes[inner.id] = inner
        edges = {}
        for edge in copy_def.edges.values():
            edge.id = doc.new_id("e")
            edge.src = (id_map[edge.src[0]], edge.src[1])
            edge.dst = (id_map[edge.dst[0]], edge.dst[1])
            edges[edge.id] = edge
        copy_def.nodes, copy_def.edges = nodes, edges
        rec.insert_block(copy_def)
        rec.set_node(self.block, self.node_id, "block", self.new_block_id)
