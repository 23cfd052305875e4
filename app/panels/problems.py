"""The Problems dock: every live problem of the document; activating one jumps to its node."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from app.graph import document as gdoc
from app.i18n import tr

LOCATION_ROLE = Qt.ItemDataRole.UserRole + 1


class ProblemsPanel(QTreeWidget):
    """Lists problems (block, node, message). `jump_requested(block id, node id)`."""

    jump_requested = Signal(str, str)
    count_changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels([tr("Where"), tr("Node"), tr("Problem")])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setColumnWidth(0, 120)
        self.setColumnWidth(1, 160)
        self.itemActivated.connect(self._activated)
        self.itemDoubleClicked.connect(self._activated)
        self.document = None
        self._unsubscribe = None

    def follow(self, document) -> None:
        """Show the problems of a (new) document and keep them current."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.document = document
        self._unsubscribe = document.subscribe(self._on_change)
        self.refresh()

    def _on_change(self, change) -> None:
        if change.kind in (gdoc.PROBLEMS_CHANGED, gdoc.RESET, gdoc.BLOCK_CHANGED):
            self.refresh()

    def refresh(self) -> None:
        self.clear()
        problems = self.document.problems() if self.document is not None else []
        for problem in problems:
            block = self.document.blocks.get(problem.block)
            where = block.name if block is not None else problem.block
            node_text = self.document.display_name(problem.block, problem.node) if problem.node else ""
            item = QTreeWidgetItem([where, node_text, problem.message])
            item.setToolTip(2, problem.message)
            item.setData(0, LOCATION_ROLE, (problem.block, problem.node or ""))
            item.setForeground(2, Qt.GlobalColor.red if problem.kind != "untrusted" else Qt.GlobalColor.darkYellow)
            self.addTopLevelItem(item)
        self.count_changed.emit(len(problems))

    def _activated(self, item, column=0) -> None:
        block_id, node_id = item.data(0, LOCATION_ROLE)
        self.jump_requested.emit(block_id, node_id)
