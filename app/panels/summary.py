"""The Summary dock: a live table like model.summary() (layer, output shape, params)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.canvas.doc_view import format_shape
from app.graph import document as gdoc
from app.i18n import tr


def topological_nodes(block) -> list:
    """Nodes of a block, inputs first, each after the nodes feeding it (ties by position)."""
    incoming = {nid: 0 for nid in block.nodes}
    for edge in block.edges.values():
        if edge.dst[0] in incoming:
            incoming[edge.dst[0]] += 1
    ready = sorted((nid for nid, n in incoming.items() if n == 0), key=lambda nid: block.nodes[nid].position)
    ordered = []
    while ready:
        nid = ready.pop(0)
        ordered.append(block.nodes[nid])
        for edge in block.edges.values():
            if edge.src[0] == nid and edge.dst[0] in incoming:
                incoming[edge.dst[0]] -= 1
                if incoming[edge.dst[0]] == 0:
                    ready.append(edge.dst[0])
                    ready.sort(key=lambda other: block.nodes[other].position)
    seen = {n.id for n in ordered}
    ordered += [n for n in block.nodes.values() if n.id not in seen]  # in a loop: still listed
    return ordered


class SummaryPanel(QWidget):
    """Layer (type) | Output shape | Param # for the Model, with the total, trainable and
    non-trainable parameter counts underneath."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("Layer (type)"), tr("Output Shape"), tr("Param #")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.total = QLabel()
        self.total.setObjectName("muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addWidget(self.total)
        self.document = None
        self._unsubscribe = None

    def follow(self, document) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.document = document
        self._unsubscribe = document.subscribe(self._on_change)
        self.refresh()

    def _on_change(self, change) -> None:
        if change.kind in (gdoc.SHAPES_CHANGED, gdoc.RESET, gdoc.PROBLEMS_CHANGED) or \
                (change.kind == gdoc.NODE_CHANGED and change.key == "label"):
            self.refresh()

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's rows as text (for tests and the clipboard)."""
        document = self.document
        rows = []
        for node in topological_nodes(document.model):
            if node.type == gdoc.OUTPUT:
                continue
            try:
                shapes = document.output_shapes(gdoc.MODEL_ID, node.id)
            except Exception:
                shapes = {}
            shape_text = ", ".join(format_shape(s) for s in shapes.values() if s is not None) or "?"
            try:
                count = document.param_count(gdoc.MODEL_ID, node.id)
            except Exception:
                count = None
            rows.append((f"{node.label or node.id} ({document.type_name(node)})", shape_text,
                         "?" if count is None else f"{count:,}"))
        return rows

    def refresh(self) -> None:
        rows = self.rows() if self.document is not None else []
        self.table.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.total.setText("\n".join(self.totals()))

    def totals(self) -> list[str]:
        """The lines under the table: total, trainable and non-trainable parameters."""
        total = trainable = frozen = None
        if self.document is not None:
            try:
                total, trainable, frozen = self.document.params_split()
            except Exception:
                total = trainable = frozen = None

        def text(count):
            return "?" if count is None else f"{count:,}"

        return [tr("Total params: {}").format(text(total)), tr("Trainable params: {}").format(text(trainable)),
                tr("Non-trainable params: {}").format(text(frozen))]
