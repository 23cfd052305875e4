"""Help › About Strata: name, version (engine/version.py, the one place it is defined), purpose."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.i18n import tr
from engine.version import __version__


def about_text() -> str:
    """The About box text (rich text)."""
    return (f"<h3>Strata {__version__}</h3>"
            + "<p>" + tr("Build neural networks by wiring layer nodes on a canvas, train them live "
                         "and export them as Python.") + "</p>"
            + "<p>" + tr("Runs on its own Keras-compatible engine (numpy and numba).") + "</p>")


def show_about(parent) -> QMessageBox:
    """Show the About box (non-blocking); returns it."""
    box = QMessageBox(parent)
    box.setWindowTitle(tr("About Strata"))
    box.setTextFormat(box.textFormat().RichText)
    box.setText(about_text())
    icon = parent.windowIcon() if parent is not None else None
    if icon is not None and not icon.isNull():
        box.setIconPixmap(icon.pixmap(64, 64))
    box.open()
    return box
