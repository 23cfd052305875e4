"""Editing a Custom Layer's Python source in a dialog with the code editor."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from app.i18n import tr
from app.panels.code_editor import CodeEditor


class CustomCodeDialog(QDialog):
    """Shows `source`; `source()` returns the edited text after exec()."""

    def __init__(self, source: str, parent=None, dark: bool = True):
        super().__init__(parent)
        self.setWindowTitle(tr("Custom Layer code"))
        self.editor = CodeEditor(self, dark=dark)
        self.editor.setPlainText(source)
        hint = QLabel(tr("A keras.layers.Layer subclass: __init__, build and call. Inputs come from call's arguments."))
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.resize(720, 520)

    def source(self) -> str:
        return self.editor.toPlainText()
