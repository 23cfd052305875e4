"""Preferences: theme, language, presentation mode, grid snapping."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel

from app.i18n import LANGUAGES, tr


class SettingsDialog(QDialog):
    """Edits a dict of preferences; read `values()` after it is accepted."""

    def __init__(self, values: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Settings"))
        self.theme = QComboBox()
        self.theme.addItem(tr("Dark"), "dark")
        self.theme.addItem(tr("Light"), "light")
        self.theme.setCurrentIndex(max(0, self.theme.findData(values.get("theme", "dark"))))
        self.language = QComboBox()
        self.language.addItem(tr("System"), "system")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(values.get("language", "system"))))
        self.presentation = QCheckBox(tr("Larger fonts and thicker wires for a projector"))
        self.presentation.setChecked(bool(values.get("presentation", False)))
        self.snap = QCheckBox(tr("Snap nodes to the grid"))
        self.snap.setChecked(bool(values.get("snap", True)))
        form = QFormLayout(self)
        form.addRow(tr("Theme"), self.theme)
        form.addRow(tr("Language"), self.language)
        note = QLabel(tr("A new language applies the next time Strata starts."))
        note.setObjectName("muted")
        form.addRow("", note)
        form.addRow(tr("Presentation"), self.presentation)
        form.addRow(tr("Grid"), self.snap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"theme": self.theme.currentData(), "language": self.language.currentData(),
                "presentation": self.presentation.isChecked(), "snap": self.snap.isChecked()}
