"""Colours, line widths and font sizes of the pyqtgraph plots, per application theme.

The plots follow the window's theme (dark or light) and its Presentation size: the plot
background matches the panels, text and axes have a strong contrast against it, the run colours
are bright on dark and deep on light, and Presentation mode draws thicker lines and larger text
for a projector. `style_plot_item` / `style_plot_widget` apply a theme to existing plots, so a
theme change re-styles them in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont

from app.panels.theme import THEMES


@dataclass(frozen=True)
class PlotTheme:
    """What a plot is drawn with. Colours are '#rrggbb' strings; sizes are pixels."""

    name: str
    presentation: bool
    background: str
    foreground: str      # axes, tick labels, titles
    grid_alpha: float
    legend_background: str
    current: tuple[str, ...]   # the current run's colours, one per run index
    muted: tuple[str, ...]     # earlier runs
    point_edge: str            # outline of data points (decision boundary)
    font_px: int
    title_px: int
    batch_width: float
    epoch_width: float
    symbol_size: int

    def rgb(self, colour: str | None = None) -> tuple[int, int, int]:
        """(r, g, b) of `colour` (the background when None)."""
        c = QColor(colour or self.background)
        return c.red(), c.green(), c.blue()

    def font(self, px: int | None = None) -> QFont:
        font = QFont()
        font.setPixelSize(px or self.font_px)
        return font


_DARK = dict(background="#1f2227", foreground="#e6e8eb", grid_alpha=0.28, legend_background="#2a2e35d0",
             current=("#5aa9ff", "#ff6b6b", "#63d471", "#c59bff", "#ffb454", "#3fd7e0"),
             muted=("#6f7f91", "#8f7a73", "#778f72", "#857a93", "#8f8870", "#6f8e91"),
             point_edge="#e6e8eb")
_LIGHT = dict(background="#ffffff", foreground="#1d2228", grid_alpha=0.22, legend_background="#ffffffd0",
              current=("#1f63b4", "#c62828", "#2e7d32", "#7b3fb0", "#d96800", "#00838f"),
              muted=("#9aa9b8", "#b8a29a", "#a3b89a", "#ad9ab8", "#b8b09a", "#9ab5b8"),
              point_edge="#1d2228")


def plot_theme(theme: str = "dark", presentation: bool = False) -> PlotTheme:
    """The plot theme for an application theme name and Presentation on/off."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; expected one of {', '.join(THEMES)}")
    colours = _DARK if theme == "dark" else _LIGHT
    if presentation:
        sizes = dict(font_px=17, title_px=20, batch_width=2.0, epoch_width=4.0, symbol_size=11)
    else:
        sizes = dict(font_px=12, title_px=14, batch_width=1.2, epoch_width=2.2, symbol_size=7)
    return PlotTheme(name=theme, presentation=presentation, **colours, **sizes)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 = none, 21 = black on white)."""
    def luminance(colour: str) -> float:
        c = QColor(colour)
        channels = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def style_plot_item(plot: pg.PlotItem, theme: PlotTheme, title: str | None = None) -> None:
    """Axes, tick labels, grid, title and legend of one PlotItem in `theme`."""
    pen = pg.mkPen(theme.foreground, width=1.5 if theme.presentation else 1)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pen)
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.setTickFont(theme.font())
        # plain epochs and losses, never "epoch (x0.001)"; the scale is reset by hand because
        # pyqtgraph computes one from the current range even while switching the prefix off
        axis.enableAutoSIPrefix(False)
        axis.autoSIPrefixScale = 1.0
        axis.labelUnitPrefix = ""
        label = axis.labelText
        if label:
            axis.setLabel(label, **{"color": theme.foreground, "font-size": f"{theme.font_px}px"})
    plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
    if title is not None:
        plot.setTitle(title, color=theme.foreground, size=f"{theme.title_px}px")
    legend = plot.legend
    if legend is not None:
        legend.setBrush(pg.mkBrush(theme.legend_background))
        legend.setPen(pg.mkPen(theme.foreground, width=0.5))
        legend.setLabelTextColor(theme.foreground)
        legend.setLabelTextSize(f"{theme.font_px}px")
        for _sample, label in legend.items:  # pyqtgraph restyles only labels added later: redraw these
            label.setText(label.text, color=theme.foreground, size=f"{theme.font_px}px")
        legend.updateSize()  # the labels' new size


def style_plot_widget(widget, theme: PlotTheme, title: str | None = None) -> None:
    """Background of a PlotWidget / GraphicsLayoutWidget and, for a PlotWidget, its PlotItem."""
    widget.setBackground(theme.background)
    if isinstance(widget, pg.PlotWidget):
        style_plot_item(widget.getPlotItem(), theme, title)
