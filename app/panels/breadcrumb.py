"""The breadcrumb bar above the canvas: Model › Block › Inner block; click to go back out."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class Breadcrumb(QWidget):
    """Shows the path of entered blocks; `level_chosen(depth)` when a crumb is clicked."""

    level_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("breadcrumb")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 3, 8, 3)
        self._layout.setSpacing(2)
        self.names: list[str] = []

    def set_path(self, names: list[str]) -> None:
        """Names from the Model to the block shown now."""
        self.names = list(names)
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for depth, name in enumerate(names):
            if depth:
                self._layout.addWidget(QLabel("›"))
            if depth == len(names) - 1:
                current = QLabel(f"<b>{name}</b>")
                current.setContentsMargins(6, 0, 6, 0)
                self._layout.addWidget(current)
            else:
                button = QPushButton(name)
                button.setFlat(True)
                button.clicked.connect(lambda _=False, d=depth: self.level_chosen.emit(d))
                self._layout.addWidget(button)
        self._layout.addStretch(1)
