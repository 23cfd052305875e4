"""Plot axes read in plain numbers: no "(x0.001)" SI scaling on a short run or a tiny loss."""

import numpy as np
import pyqtgraph as pg

from app.plots.plot_theme import plot_theme, style_plot_widget


def test_a_short_range_is_labelled_in_plain_epochs_and_values(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.getPlotItem().setLabel("bottom", "epoch")
    style_plot_widget(widget, plot_theme("dark"), "loss")
    widget.resize(400, 300)
    widget.show()
    widget.getPlotItem().plot(np.linspace(0, 0.004, 5), np.linspace(0.0001, 0.0004, 5))
    widget.getPlotItem().setRange(xRange=(0, 0.004), yRange=(0.0001, 0.0004), padding=0)
    qtbot.waitUntil(lambda: widget.isVisible())
    for restyled in (False, True):  # a theme change in the middle of a short run re-styles the axes
        if restyled:
            style_plot_widget(widget, plot_theme("light", presentation=True), "loss")
        for name in ("bottom", "left"):
            axis = widget.getPlotItem().getAxis(name)
            assert "x0.001" not in axis.labelString() and "x1e" not in axis.labelString(), axis.labelString()
            assert axis.autoSIPrefixScale == 1.0
            assert axis.tickStrings([0.002], axis.autoSIPrefixScale * axis.scale, 0.001) == ["0.002"]


def test_legend_labels_follow_a_theme_switch(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    plot.addLegend()
    style_plot_widget(widget, plot_theme("dark"), "loss")
    plot.plot([0, 1], [1, 0], name="run 1")  # a curve of a run, added in the dark theme
    for theme in (plot_theme("light", presentation=True), plot_theme("dark")):
        style_plot_widget(widget, theme, "loss")
        _sample, label = plot.legend.items[0]
        html = label.item.toHtml().lower()
        assert theme.foreground.lower().lstrip("#") in html, (theme.foreground, html)
        assert f"{theme.font_px}px" in html
