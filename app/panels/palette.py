"""The Palette dock: layers grouped by category, a search box, drag onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.canvas.style import category_colour
from app.canvas.view import PALETTE_MIME
from app.i18n import tr

CATEGORY_ORDER = ["Input", "Preprocessing", "Core", "Convolution", "Pooling", "Recurrent", "Attention", "Normalization",
                  "Regularization", "Reshaping", "Merging", "Activation", "Output", "Custom", "Block"]
EXPANDED_AT_START = {"Input", "Core", "Convolution", "Custom", "Block"}
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def palette_entries() -> dict[str, str]:
    """Layer type -> palette category: every built-in layer plus the Input and Custom nodes."""
    from app.canvas.doc_view import CATEGORY_ALIASES
    from app.graph.catalogue import categories

    entries = {}
    for category, names in categories().items():
        for name in names:
            entries[name] = CATEGORY_ALIASES.get(category, category)
    return entries


def category_title(category: str) -> str:
    """The translated heading of a category."""
    return tr({"Block": "Blocks", "Input": "Inputs and outputs", "Output": "Losses"}.get(category, category))


class _PaletteTree(QTreeWidget):
    def startDrag(self, actions):
        item = self.currentItem()
        type_name = item.data(0, TYPE_ROLE) if item is not None else None
        if not type_name:
            return
        mime = QMimeData()
        mime.setData(PALETTE_MIME, type_name.encode("utf-8"))
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)


class PaletteWidget(QWidget):
    """Searchable tree of layer types. Double-click or Enter asks to add one (`add_requested`)."""

    add_requested = Signal(str)

    def __init__(self, entries: dict[str, str] | None = None, labels: dict[str, str] | None = None, parent=None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search layers…"))
        self.search.setClearButtonEnabled(True)
        self.tree = _PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setIndentation(12)
        self.tree.setObjectName("paletteTree")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_visible)
        self.tree.itemActivated.connect(self._activated)
        self.set_entries(entries if entries is not None else palette_entries(), labels)

    def set_entries(self, entries: dict[str, str], labels: dict[str, str] | None = None) -> None:
        """Rebuild the tree from key -> category (blocks from the library included);
        `labels` gives the text shown for keys that are not type names ("block:b3" -> "MLPBlock")."""
        self.entries = dict(entries)
        self.labels = dict(labels or {})
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        order = CATEGORY_ORDER + sorted(set(entries.values()) - set(CATEGORY_ORDER))
        for category in order:
            names = sorted((name for name, cat in entries.items() if cat == category),
                           key=lambda key: self.labels.get(key, key).lower())
            if not names:
                continue
            group = QTreeWidgetItem([category_title(category)])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setForeground(0, category_colour(category).lighter(150))
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            groups[category] = group
            for name in names:
                child = QTreeWidgetItem([self.labels.get(name, name)])
                child.setData(0, TYPE_ROLE, name)
                child.setToolTip(0, tr("Drag onto the canvas or double-click to add"))
                group.addChild(child)
            group.setExpanded(category in EXPANDED_AT_START)
        self.filter(self.search.text())

    def filter(self, text: str) -> None:
        """Show only layer types containing `text` (case-insensitive)."""
        needle = text.strip().lower()
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            visible = 0
            for row in range(group.childCount()):
                child = group.child(row)
                hide = bool(needle) and needle not in child.text(0).lower()
                child.setHidden(hide)
                visible += not hide
            group.setHidden(visible == 0)
            if needle:
                group.setExpanded(True)

    def visible_types(self) -> list[str]:
        """Keys (layer types, "block:<id>") currently shown, in display order."""
        shown = []
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            if group.isHidden():
                continue
            shown += [group.child(r).data(0, TYPE_ROLE) for r in range(group.childCount()) if not group.child(r).isHidden()]
        return shown

    def _add_first_visible(self) -> None:
        shown = self.visible_types()
        if shown:
            self.add_requested.emit(shown[0])

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.add_requested.emit(type_name)
