"""A short Training dock scrolls the plot grid instead of squashing the curves: each plot keeps
room for its title, axes and legend row plus a readable plot area."""

from PySide6.QtWidgets import QScrollArea

from app.plots.live_plots import LivePlotGrid
from app.training.runs import RunStore


def test_plots_in_a_short_dock_keep_a_readable_height_and_the_grid_scrolls(qtbot):
    store = RunStore()
    grid = LivePlotGrid(store)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(grid)
    qtbot.addWidget(scroll)
    scroll.resize(900, 150)
    scroll.show()
    qtbot.waitExposed(scroll)
    run = store.new_run({})
    grid.set_current(run)
    for epoch in range(3):
        run.add_epoch(epoch, {"loss": 1.0 / (epoch + 1), "accuracy": 0.5 + epoch / 10,
                              "val_loss": 1.2 / (epoch + 1)})
    grid.update_run(run)
    qtbot.wait(50)
    assert set(grid.widgets) >= {"loss", "accuracy"}
    for quantity, widget in grid.widgets.items():
        view = widget.getPlotItem().getViewBox().sceneBoundingRect()
        assert widget.height() >= 180, quantity
        assert view.height() >= 60, (quantity, view.height())
    assert scroll.verticalScrollBar().maximum() > 0
