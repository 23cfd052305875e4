"""The live plots' legend never covers the data: it is a row under the x axis, readable in both themes."""

import pytest
from PySide6.QtWidgets import QApplication

from app.plots.live_plots import LivePlotGrid
from app.plots.plot_theme import contrast_ratio, plot_theme
from app.training.runs import RunStore


def two_runs(store):
    first, second = store.new_run({}), store.new_run({})
    for run, scale in ((first, 1.0), (second, 0.6)):
        for epoch in range(10):
            run.add_epoch(epoch, {"loss": scale * 2.0 / (epoch + 1), "accuracy": 1 - 0.9 / (epoch + 1)})
    return first, second


@pytest.mark.parametrize("theme_name, presentation", [("dark", False), ("light", False), ("dark", True)])
def test_legend_sits_outside_the_data_area_and_reads(qtbot, theme_name, presentation):
    store = RunStore()
    grid = LivePlotGrid(store)
    qtbot.addWidget(grid)
    grid.resize(900, 320)
    grid.show()
    qtbot.waitExposed(grid)
    theme = plot_theme(theme_name, presentation)
    grid.set_plot_theme(theme)
    first, second = two_runs(store)
    grid.set_current(second)
    QApplication.processEvents()
    for quantity in ("loss", "accuracy"):
        plot = grid.plots[quantity]
        legend = plot.legend
        assert [label.text for _sample, label in legend.items] == ["run 1", "run 2"]
        data_area = plot.getViewBox().sceneBoundingRect()
        box = legend.sceneBoundingRect()
        assert box.height() > 5 and box.width() > 20
        assert not box.intersects(data_area), (quantity, box, data_area)
        assert box.top() >= plot.getAxis("bottom").sceneBoundingRect().top()  # under the x axis
        widget = grid.widgets[quantity]
        shown = widget.mapToScene(widget.viewport().rect()).boundingRect()
        for _sample, label in legend.items:
            text = label.item.sceneBoundingRect()
            assert shown.contains(text) and box.contains(text), (quantity, label.text, text, box, shown)
            assert theme.foreground.lower().lstrip("#") in label.item.toHtml().lower()
        assert contrast_ratio(theme.foreground, theme.background) >= 4.5
