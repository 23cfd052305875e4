"""The `strata` command: open the editor, or `strata --screenshot OUT.png [FILE]`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `strata` script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--screenshot":
        from app.screenshot import main as screenshot_main

        return screenshot_main(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print("usage: strata [FILE.strata]\n       strata --screenshot OUT.png [FILE] [--light]")
        return 0
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.i18n import install_translator
    from app.main_window import MainWindow
    from app.panels.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Strata")
    app.setApplicationName("Strata")
    settings = QSettings("Strata", "Strata")
    install_translator(app, str(settings.value("language", "system")))
    apply_theme(app, str(settings.value("theme", "dark")), settings.value("presentation", False, type=bool))
    window = MainWindow(settings=settings)
    from app.training.integration import attach_dashboard

    dashboard = attach_dashboard(window)
    app.aboutToQuit.connect(dashboard.shutdown)
    window.show()
    if argv:
        window.open_path(argv[0])
    else:
        window.offer_recovery()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
