"""Preferences: theme, language, presentation mode, grid snapping, default device, autosave."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox,
)

from app.i18n import LANGUAGES, tr

DEVICES = (("cpu", "CPU"), ("cuda", "CUDA"))
MAX_AUTOSAVE_MINUTES = 120


def _cuda_reason() -> str | None:
    from engine.backend.cuda import unavailable_reason

    return unavailable_reason()


class SettingsDialog(QDialog):
    """Edits a dict of preferences; read `values()` after it is accepted.

    `cuda_reason()` returns None when CUDA can be used, else why not (it disables the CUDA choice).
    """

    def __init__(self, values: dict, parent=None, cuda_reason=_cuda_reason):
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
        self.device = QComboBox()
        for code, name in DEVICES:
            self.device.addItem(name, code)
        try:
            reason = cuda_reason()
        except Exception as error:  # noqa: BLE001 - a broken CUDA probe only disables the choice
            reason = f"{type(error).__name__}: {error}"
        self.cuda_reason = reason
        self.device_note = QLabel()
        self.device_note.setObjectName("muted")
        self.device_note.setWordWrap(True)
        if reason is not None:
            item = self.device.model().item(self.device.findData("cuda"))
            item.setEnabled(False)
            item.setToolTip(tr("CUDA is not available: {}").format(reason))
            self.device_note.setText(tr("CUDA is not available: {}").format(reason))
        wanted = values.get("default_device", "cpu")
        if wanted == "cuda" and reason is not None:
            wanted = "cpu"
        self.device.setCurrentIndex(max(0, self.device.findData(wanted)))
        self.autosave = QSpinBox()
        self.autosave.setRange(0, MAX_AUTOSAVE_MINUTES)
        self.autosave.setSuffix(" " + tr("min"))
        self.autosave.setSpecialValueText(tr("Off"))
        self.autosave.setValue(int(values.get("autosave_minutes", 1)))
        form = QFormLayout(self)
        form.addRow(tr("Theme"), self.theme)
        form.addRow(tr("Language"), self.language)
        note = QLabel(tr("A new language applies the next time Strata starts."))
        note.setObjectName("muted")
        form.addRow("", note)
        form.addRow(tr("Presentation"), self.presentation)
        form.addRow(tr("Grid"), self.snap)
        form.addRow(tr("Default device"), self.device)
        if reason is not None:
            form.addRow("", self.device_note)
        form.addRow(tr("Autosave every"), self.autosave)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"theme": self.theme.currentData(), "language": self.language.currentData(),
                "presentation": self.presentation.isChecked(), "snap": self.snap.isChecked(),
                "default_device": self.device.currentData(), "autosave_minutes": self.autosave.value()}


def autosave_minutes(settings) -> int:
    """The autosave interval in minutes from QSettings (0 = off); bad values fall back to 1."""
    try:
        minutes = int(settings.value("autosave_minutes", 1))
    except (TypeError, ValueError):
        return 1
    return min(max(minutes, 0), MAX_AUTOSAVE_MINUTES)
