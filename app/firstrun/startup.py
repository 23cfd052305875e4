"""What happens around the main window's first paint.

The window is shown and the file given on the command line opened at once; the rest (training
dashboard, kernel warm-up, the recovery offer or the welcome screen) runs once the window has
painted, so the user sees a usable window quickly.
`STRATA_STARTUP_PROBE=PATH` (used by bench/startup_bench.py) writes the first-paint time and the
heavy modules loaded by then as JSON to PATH and quits.
"""

from __future__ import annotations

import json
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer

PROBE_ENV = "STRATA_STARTUP_PROBE"
HEAVY_MODULES = ("torch", "keras", "tensorflow", "scipy", "numba", "llvmlite", "pyqtgraph", "engine.backend.cpu")
FALLBACK_MS = 1500  # run the deferred start even if no paint arrives (e.g. started minimised)


class FirstPaint(QObject):
    """Calls `callback()` once, on the first paint of `widget` (or after FALLBACK_MS)."""

    def __init__(self, widget, callback, fallback_ms: int = FALLBACK_MS):
        super().__init__(widget)
        self._callback = callback
        self._fired = False
        self._widget = widget
        widget.installEventFilter(self)
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self.fire)
        self._fallback.start(fallback_ms)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self._fired:
            QTimer.singleShot(0, self.fire)  # after this paint has finished
        return False

    def fire(self) -> None:
        if self._fired:
            return
        self._fired = True
        self._fallback.stop()
        self._widget.removeEventFilter(self)
        self._callback()


def write_probe(path: str) -> None:
    """Record the first-paint moment (epoch seconds) and which heavy modules are loaded."""
    record = {"first_paint_epoch": time.time(), "process_seconds": time.process_time(),
              "loaded": [name for name in HEAVY_MODULES if name in sys.modules]}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(record, handle)


def finish_startup(window, qt_app, file_given: bool = False, warm=None) -> None:
    """The deferred part of start-up: dashboard, default device, warm-up, recovery or welcome."""
    from app.firstrun.warmup import start_warmup

    from app.launch import attach_dashboard

    attach_dashboard(window, qt_app)
    apply_default_device(window)
    warmup = start_warmup(window, warm)
    # stop after the kernel being compiled: a thread still inside LLVM at interpreter exit can crash it
    qt_app.aboutToQuit.connect(lambda: warmup.cancel(wait_s=30.0))
    report_settings_problem(window)
    if file_given:  # only unsaved work on that file is offered
        if window.file_path is not None:
            window.offer_recovery(source=window.file_path)
    elif not window.offer_recovery():
        from app.firstrun.welcome import should_show_at_start, show_welcome

        if should_show_at_start(window.settings):
            show_welcome(window)


def report_settings_problem(window) -> str | None:
    """Write the settings now (Qt creates their folder) and, if that fails, say where in the
    status bar and on stderr: preferences and recent files would otherwise be lost silently."""
    from PySide6.QtCore import QSettings

    from app.i18n import tr

    settings = window.settings
    settings.setValue("last_start", time.time())
    settings.sync()
    if settings.status() == QSettings.Status.NoError:
        return None
    message = tr("Settings and recent files cannot be saved to {}").format(settings.fileName())
    window.statusBar().showMessage(message, 30000)
    print(f"strata: {message}", file=sys.stderr)
    return message


def apply_default_device(window) -> None:
    """Select the preferred device (Preferences) in the toolbar when it is there and enabled."""
    wanted = str(window.settings.value("default_device", "cpu"))
    combo = window.device_combo
    index = combo.findData(wanted)
    if index < 0:
        return
    item = combo.model().item(index) if hasattr(combo.model(), "item") else None
    if item is not None and not item.isEnabled():
        return
    combo.setCurrentIndex(index)


def schedule_startup(window, argv: list[str], qt_app) -> FirstPaint:
    """Open the file in `argv` now; run finish_startup after the first paint (call before exec)."""
    probe_path = os.environ.get(PROBE_ENV)
    if argv:
        window.open_path(argv[0])

    def after_paint():
        if not window.isVisible():
            return  # closed before it ever painted (a test or an immediate quit): start nothing
        if probe_path:
            write_probe(probe_path)
            qt_app.quit()
            return
        finish_startup(window, qt_app, file_given=bool(argv))

    return FirstPaint(window, after_paint)
