"""Colours, fonts and sizes the canvas paints with, for the dark and light themes.

One calm palette: each palette category has a header colour; the theme gives the background,
grid, card and text colours. `presentation` scales fonts and wire widths for a projector.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

CATEGORY_COLOURS: dict[str, str] = {
    "Core": "#6b7280",
    "Preprocessing": "#8a7a3c",
    "Convolution": "#3b6fb6",
    "Pooling": "#2a9d8f",
    "Recurrent": "#7c5cbf",
    "Attention": "#9b4dca",
    "Normalization": "#c98a1b",
    "Regularization": "#a0616a",
    "Merging": "#4f9a55",
    "Reshaping": "#5f7f95",
    "Activation": "#b05fa0",
    "Custom": "#d9712b",
    "Block": "#475569",
    "Input": "#3f7f6f",
    "Output": "#3f7f6f",
}
FALLBACK_CATEGORY_COLOUR = "#6b7280"
# No canvas text is drawn smaller than this on screen (level of detail: cards and wire labels
# switch to a simpler face, or leave the text out, below it).
MIN_TEXT_PX = 9.0


def category_colour(category: str) -> QColor:
    """Header colour of a palette category (grey for categories we do not know)."""
    return QColor(CATEGORY_COLOURS.get(category, FALLBACK_CATEGORY_COLOUR))


@dataclass
class CanvasStyle:
    """Everything a canvas item needs to paint itself in the current theme."""

    background: QColor
    grid_minor: QColor
    grid_major: QColor
    card: QColor
    card_border: QColor
    text: QColor
    muted_text: QColor
    selection: QColor
    error: QColor
    wire: QColor
    port: QColor
    port_highlight: QColor
    font_scale: float = 1.0
    wire_width: float = 2.0

    def font_px(self, base: float) -> float:
        """A font size in scene pixels, scaled for presentation mode."""
        return base * self.font_scale


def make_style(theme: str = "dark", presentation: bool = False) -> CanvasStyle:
    """The canvas style for `theme` ("dark" or "light"), larger in presentation mode."""
    if theme not in ("dark", "light"):
        raise ValueError(f"unknown theme {theme!r}; expected 'dark' or 'light'")
    if theme == "dark":
        style = CanvasStyle(
            background=QColor("#1e2127"), grid_minor=QColor("#262a31"), grid_major=QColor("#30353e"),
            card=QColor("#2b2f37"), card_border=QColor("#3c424d"), text=QColor("#e6e8eb"),
            muted_text=QColor("#9aa1ac"), selection=QColor("#f2c14e"), error=QColor("#e5484d"),
            wire=QColor("#8c96a5"), port=QColor("#c8ced8"), port_highlight=QColor("#5ee07f"),
        )
    else:
        style = CanvasStyle(
            background=QColor("#f4f5f7"), grid_minor=QColor("#e8eaee"), grid_major=QColor("#d9dde3"),
            card=QColor("#ffffff"), card_border=QColor("#c7ccd4"), text=QColor("#1d2228"),
            muted_text=QColor("#6b7380"), selection=QColor("#e0a100"), error=QColor("#d1242f"),
            wire=QColor("#6d7682"), port=QColor("#59616d"), port_highlight=QColor("#1f9d4d"),
        )
    if presentation:
        style.font_scale = 1.4
        style.wire_width = 4.0
    return style
