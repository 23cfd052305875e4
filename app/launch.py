"""One way to build the main window, shared by the app (`strata`), the screenshot command
(`strata --screenshot`, `make screenshots`) and the headless demo, so each shows the same
window: the training dashboard attached (Train enabled, real Training/Data/Runs/Results tabs).
"""

from __future__ import annotations

from pathlib import Path


def create_window(settings=None, path=None, document=None, dashboard: bool = True):
    """A MainWindow on `document`, or on the project at `path` (opened as File › Open does).

    `dashboard=True` attaches the training dashboard now (its tabs show the document's runs,
    data set and training settings); the app passes False and attaches it after the first
    paint with `attach_dashboard`, which keeps start-up fast. The window is not shown.
    """
    from app.main_window import MainWindow

    window = MainWindow(document, settings)
    if document is not None and path is not None:
        window.set_document(document, Path(path))
    elif path is not None:
        window.open_path(str(path), wait=True)
    if dashboard:
        attach_dashboard(window)
    return window


def show_window(window) -> None:
    """Show the main window: as it was left when a geometry was saved, maximised on a first start."""
    if window.settings.value("window/geometry") is None:
        window.showMaximized()
    else:
        window.show()


def attach_dashboard(window, qt_app=None):
    """Attach the training dashboard to `window` once and return it. Given `qt_app` (the app),
    its training process stops when the application quits; otherwise the caller calls
    `dashboard.shutdown()` (a screenshot, a test) and nothing keeps the panels alive after."""
    existing = getattr(window, "dashboard", None)
    if existing is not None:
        return existing
    from app.training.integration import attach_dashboard as install

    dashboard = install(window)
    window.dashboard = dashboard
    if qt_app is not None:
        qt_app.aboutToQuit.connect(dashboard.shutdown)
    return dashboard
