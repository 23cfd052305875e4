"""Application stylesheets (dark and light) and the Presentation size."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

STYLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "styles"
THEMES = ("dark", "light")


def stylesheet(theme: str, presentation: bool = False) -> str:
    """The Qt stylesheet text for `theme`, with fonts scaled up in presentation mode."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; expected one of {', '.join(THEMES)}")
    text = (STYLES_DIR / f"{theme}.qss").read_text(encoding="utf-8")
    base = 17 if presentation else 13
    return text.replace("@FONT_PX@", str(base)).replace("@SMALL_PX@", str(base - 2))


def apply_theme(app: QApplication, theme: str, presentation: bool = False) -> None:
    """Style the whole application."""
    font = QFont(app.font())
    font.setPixelSize(17 if presentation else 13)
    app.setFont(font)
    app.setStyleSheet(stylesheet(theme, presentation))
