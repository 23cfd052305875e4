"""Preferences: device choice with the CUDA reason, autosave interval, stored and applied."""

import pytest

from app.firstrun.startup import apply_default_device
from app.panels.settings_dialog import SettingsDialog, autosave_minutes

pytestmark = pytest.mark.gui


def test_cuda_disabled_with_reason(qtbot):
    dialog = SettingsDialog({"default_device": "cuda"}, cuda_reason=lambda: "no GPU in this box")
    qtbot.addWidget(dialog)
    item = dialog.device.model().item(dialog.device.findData("cuda"))
    assert not item.isEnabled()
    assert "no GPU in this box" in item.toolTip() and "no GPU in this box" in dialog.device_note.text()
    assert dialog.values()["default_device"] == "cpu"  # an unavailable stored choice falls back


def test_cuda_choosable_when_available(qtbot):
    dialog = SettingsDialog({"default_device": "cuda", "autosave_minutes": 7}, cuda_reason=lambda: None)
    qtbot.addWidget(dialog)
    assert dialog.device.model().item(dialog.device.findData("cuda")).isEnabled()
    assert dialog.values()["default_device"] == "cuda" and dialog.values()["autosave_minutes"] == 7


def test_broken_cuda_probe_only_disables_cuda(qtbot):
    def probe():
        raise OSError("driver on fire")

    dialog = SettingsDialog({}, cuda_reason=probe)
    qtbot.addWidget(dialog)
    assert "driver on fire" in dialog.cuda_reason


def test_real_reason_comes_from_the_engine(qtbot, monkeypatch):
    import engine.backend.cuda as cuda

    monkeypatch.setattr(cuda, "unavailable_reason", lambda: "reason from the engine")
    dialog = SettingsDialog({})
    qtbot.addWidget(dialog)
    assert dialog.cuda_reason == "reason from the engine"


def test_autosave_minutes_read_safely(settings):
    assert autosave_minutes(settings) == 1
    settings.setValue("autosave_minutes", "nonsense")
    assert autosave_minutes(settings) == 1
    settings.setValue("autosave_minutes", 5000)
    assert autosave_minutes(settings) == 120
    settings.setValue("autosave_minutes", 0)
    assert autosave_minutes(settings) == 0


def test_window_applies_and_stores_choices(qtbot, window, monkeypatch):
    window.device_combo.addItem("CUDA", "cuda")  # as the training dashboard does

    def accept(dialog):
        dialog.device.setCurrentIndex(dialog.device.findData("cuda"))
        dialog.autosave.setValue(3)
        dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
        return True

    monkeypatch.setattr(SettingsDialog, "exec", accept)
    window.open_settings()
    assert window._autosave_timer.isActive() and window._autosave_timer.interval() == 3 * 60_000
    assert int(window.settings.value("autosave_minutes")) == 3
    assert window.settings.value("default_device") == "cuda" and window.theme == "light"
    assert window.device_combo.currentData() == "cuda"  # applied to the toolbar at once

    def turn_off(dialog):
        dialog.autosave.setValue(0)
        return True

    monkeypatch.setattr(SettingsDialog, "exec", turn_off)
    window.open_settings()
    assert not window._autosave_timer.isActive()


def test_autosave_interval_applied_on_next_start(qtbot, settings):
    from app.main_window import MainWindow

    settings.setValue("autosave_minutes", 4)
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    assert window._autosave_timer.interval() == 4 * 60_000 and window._autosave_timer.isActive()


def test_default_device_selected_only_when_enabled(qtbot, window):
    combo = window.device_combo
    combo.addItem("CUDA", "cuda")
    window.settings.setValue("default_device", "cuda")
    apply_default_device(window)
    assert combo.currentData() == "cuda"
    combo.setCurrentIndex(0)
    combo.model().item(combo.findData("cuda")).setEnabled(False)
    apply_default_device(window)
    assert combo.currentData() == "cpu"
