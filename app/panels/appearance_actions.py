"""The main window's appearance and preferences: theme, presentation mode, snapping, the
Settings dialog and the autosave period (a mixin of MainWindow, like FileActions)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.canvas.style import make_style
from app.panels.settings_dialog import SettingsDialog, autosave_minutes
from app.panels.theme import apply_theme

AUTOSAVE_INTERVAL_MS = 60_000  # one autosave "minute"


class AppearanceActions:
    """Theme, presentation, snap and Settings for MainWindow (uses its settings, scene, view,
    actions and autosave timer)."""

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        self.settings.setValue("theme", theme)
        self._apply_appearance()

    def set_presentation(self, on: bool) -> None:
        self.presentation = bool(on)
        self.settings.setValue("presentation", self.presentation)
        self.presentation_action.setChecked(self.presentation)
        self._apply_appearance()

    def set_snap(self, on: bool) -> None:
        self.scene.snap_enabled = bool(on)
        self.settings.setValue("snap", bool(on))

    def _apply_appearance(self) -> None:
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, self.theme, self.presentation)
        self.canvas_style = make_style(self.theme, self.presentation)
        self.scene.set_canvas_style(self.canvas_style)
        self.view.viewport().update()
        self.view.minimap.update()
        self._sync_theme_checks()
        self.appearance_changed.emit(self.theme, self.presentation)

    def _sync_theme_checks(self) -> None:
        self.dark_action.setChecked(self.theme == "dark")
        self.light_action.setChecked(self.theme == "light")

    def open_settings(self) -> None:
        values = {"theme": self.theme, "language": self.settings.value("language", "system"),
                  "presentation": self.presentation, "snap": self.scene.snap_enabled,
                  "default_device": self.settings.value("default_device", "cpu"),
                  "autosave_minutes": autosave_minutes(self.settings)}
        dialog = SettingsDialog(values, self)
        if dialog.exec():
            chosen = dialog.values()
            self.settings.setValue("default_device", chosen["default_device"])
            from app.firstrun.startup import apply_default_device

            apply_default_device(self)
            self.settings.setValue("autosave_minutes", chosen["autosave_minutes"])
            self.set_autosave_minutes(chosen["autosave_minutes"])
            self.settings.setValue("language", chosen["language"])
            self.set_snap(chosen["snap"])
            self.snap_action.setChecked(chosen["snap"])
            self.theme = chosen["theme"]
            self.settings.setValue("theme", self.theme)
            self.set_presentation(chosen["presentation"])

    def set_autosave_minutes(self, minutes: int) -> None:
        """Autosave unsaved work every `minutes` (0 turns the periodic autosave off)."""
        if minutes <= 0:
            self._autosave_timer.stop()
            return
        self._autosave_timer.setInterval(int(minutes) * AUTOSAVE_INTERVAL_MS)
        self._autosave_timer.start()
