"""The Code dock: the model as Python, updated live, with Copy and Export buttons."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.graph import document as gdoc
from app.i18n import tr
from app.panels.code_editor import CodeEditor

TARGETS = {"engine": "Strata engine", "keras": "Keras 3"}


def export_source(document, target: str, weights: bool = False) -> str:
    """Python source for the document, for `target` ("engine" or "keras"); with `weights` the
    code loads the trained weights written beside it."""
    from app.graph import export

    return export.export_python(document, target=target, weights=weights)


class CodeDock(QWidget):
    """Read-only live export; `export_requested(target)` asks the window to save it to a file."""

    export_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.target = QComboBox()
        for key, text in TARGETS.items():
            self.target.addItem(text, key)
        self.with_weights = QCheckBox(tr("With weights"))
        self.with_weights.setToolTip(tr("Export also writes the trained weights beside the code "
                                        "(NAME.weights.h5, Keras 3 format), and the code loads them."))
        self.copy_button = QPushButton(tr("Copy"))
        self.export_button = QPushButton(tr("Export…"))
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.editor = CodeEditor()
        self.editor.setReadOnly(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("Target")))
        bar.addWidget(self.target)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.with_weights)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.editor)
        self.document = None
        self._unsubscribe = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)
        self.target.currentIndexChanged.connect(lambda _: self.refresh())
        self.with_weights.toggled.connect(lambda _: self.refresh())
        self.copy_button.clicked.connect(self.copy)
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.current_target()))

    def current_target(self) -> str:
        return self.target.currentData()

    def follow(self, document) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.document = document
        self._unsubscribe = document.subscribe(self._on_change)
        self._timer.start()     # after the canvas shows the document: exporting a big model takes a while

    def _on_change(self, change) -> None:
        if change.kind != gdoc.SETTINGS_CHANGED or change.key == "training":
            self._timer.start()

    def refresh(self) -> None:
        """Export again now (normally debounced after edits)."""
        if self.document is None:
            return
        try:
            text = export_source(self.document, self.current_target(), self.with_weights.isChecked())
            self.status.setText("")
        except Exception as error:  # the dock shows why there is no code instead of failing
            text = f"# {tr('Cannot export yet')}: {error}\n"
            self.status.setText(tr("Fix the problems to export."))
        if text != self.editor.toPlainText():
            position = self.editor.verticalScrollBar().value()
            self.editor.setPlainText(text)
            self.editor.verticalScrollBar().setValue(position)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.editor.toPlainText())
