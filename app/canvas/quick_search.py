"""The quick-search popup (Tab or double-click on the canvas): type, pick, place."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from app.i18n import tr

CHOICE_ROLE = Qt.ItemDataRole.UserRole + 1


def rank(query: str, name: str) -> int | None:
    """Lower is better; None when `name` does not match `query` at all.

    Prefix matches beat substring matches, which beat matches of the letters in order
    ("c2d" finds Conv2D).
    """
    q, n = query.strip().lower(), name.lower()
    if not q:
        return 0
    if n.startswith(q):
        return 0
    if q in n:
        return 1
    position = 0
    for char in q:
        position = n.find(char, position)
        if position < 0:
            return None
        position += 1
    return 2


class QuickSearch(QFrame):
    """A popup list of node types filtered as you type; Enter or click emits `chosen(key)`.

    `entries` maps a choice key (a layer type, or "block:<id>") to the text shown.
    """

    chosen = Signal(str)

    def __init__(self, entries: dict[str, str], parent=None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("quickSearch")
        self.entries = dict(entries)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(tr("Add a node…"))
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.resize(260, 320)
        self.edit.textChanged.connect(self.filter)
        self.edit.returnPressed.connect(self.accept_current)
        self.list.itemActivated.connect(lambda item: self._choose(item.data(CHOICE_ROLE)))
        self.list.itemClicked.connect(lambda item: self._choose(item.data(CHOICE_ROLE)))
        self.edit.installEventFilter(self)
        self.filter("")

    def filter(self, text: str) -> None:
        """Show matching entries, best first."""
        self.list.clear()
        scored = []
        for key, shown in self.entries.items():
            score = rank(text, shown)
            if score is not None:
                scored.append((score, shown.lower(), key, shown))
        for _, _, key, shown in sorted(scored):
            item = QListWidgetItem(shown)
            item.setData(CHOICE_ROLE, key)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def shown_keys(self) -> list[str]:
        return [self.list.item(i).data(CHOICE_ROLE) for i in range(self.list.count())]

    def accept_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._choose(item.data(CHOICE_ROLE))

    def _choose(self, key: str) -> None:
        self.hide()
        self.chosen.emit(key)

    def popup_at(self, global_pos: QPoint) -> None:
        """Open at a screen position with an empty query and the keyboard focus."""
        self.edit.clear()
        self.filter("")
        self.move(global_pos)
        self.show()
        self.edit.setFocus()

    def eventFilter(self, watched, event):
        from PySide6.QtCore import QEvent

        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)
