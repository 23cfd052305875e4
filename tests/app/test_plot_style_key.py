"""The live plots explain their line styles: a key above the grid (train, validation, per batch),
listing only the styles drawn, readable in every theme and part of the exported PNG."""

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from app.plots.live_plots import LivePlotGrid
from app.plots.plot_theme import contrast_ratio, plot_theme
from app.training.runs import RunStore

TRAIN, VAL, BATCH = "train (per epoch)", "validation (per epoch)", "train (per batch, smoothed)"


def _grid(qtbot, theme):
    store = RunStore()
    grid = LivePlotGrid(store)
    qtbot.addWidget(grid)
    grid.resize(900, 360)
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_plot_theme(theme)
    return store, grid


def _colour_count(image: QImage, colour: str, rect=None, tolerance: int = 40) -> int:
    want = QColor(colour)
    rect = rect or image.rect()
    found = 0
    for x in range(rect.left(), rect.right() + 1):
        for y in range(rect.top(), rect.bottom() + 1):
            c = image.pixelColor(x, y)
            if (abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue())) <= tolerance:
                found += 1
    return found


def test_the_key_lists_only_the_styles_drawn(qtbot):
    store, grid = _grid(qtbot, plot_theme("dark"))
    assert not grid.key.isVisible()  # no plot yet: nothing to explain
    run = store.new_run({})
    grid.set_current(run)
    for epoch in range(3):
        run.add_epoch(epoch, {"loss": 1.0 / (epoch + 1)})
    grid.update_run(run)
    assert grid.key.isVisible() and grid.key.entries() == [TRAIN]
    run.add_epoch(3, {"loss": 0.2, "val_loss": 0.3})
    for step in range(5):
        run.add_batch(3 + step / 5, {"loss": 0.25})
    grid.update_run(run)
    assert grid.key.entries() == [TRAIN, VAL, BATCH]
    legend = grid.plots["loss"].legend
    assert [label.text for _sample, label in legend.items] == ["run 1"]  # the legend still names the runs
    store.delete(run)
    grid.refresh_all()
    assert not grid.key.isVisible()
    grid.clear()
    assert grid.key.entries() == []


@pytest.mark.parametrize("theme_name, presentation", [("dark", False), ("light", False), ("dark", True)])
def test_the_key_reads_in_every_theme_and_is_in_the_exported_png(qtbot, tmp_path, theme_name, presentation):
    theme = plot_theme(theme_name, presentation)
    store, grid = _grid(qtbot, theme)
    run = store.new_run({})
    grid.set_current(run)
    for epoch in range(6):
        run.add_epoch(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 1.2 / (epoch + 1)})
    grid.update_run(run)
    QApplication.processEvents()
    key = grid.key
    assert key.entries() == [TRAIN, VAL]
    assert key.width() >= key.sizeHint().width() and key.height() >= key.sizeHint().height()  # nothing cut off
    assert contrast_ratio(theme.foreground, theme.background) >= 4.5
    drawn = key.grab().toImage()
    assert _colour_count(drawn, theme.foreground) > 50  # samples and text in the theme's text colour
    assert _colour_count(drawn, theme.background) > drawn.width() * drawn.height() // 2
    heights = {}
    for on in (False, True):
        key.set_theme(plot_theme(theme_name, on))
        heights[on] = key.sizeHint().height()
    assert heights[True] > heights[False]  # Presentation draws the key larger, like the plots' text
    key.set_theme(theme)

    png = tmp_path / "plots.png"
    grid.export_png(png)
    exported = QImage(str(png))
    assert not exported.isNull() and exported.height() == grid.height()
    area = key.geometry()
    assert _colour_count(exported, theme.foreground, area) > 50  # the key is part of the picture
