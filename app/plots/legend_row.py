"""`LegendRow`: a plot's legend as a row under its x axis, so it never covers a curve.

pyqtgraph's own legend floats inside the data area (a corner the curves often pass through:
a loss starts top-left, an accuracy ends top-right). This one lives in the PlotItem's grid
layout, below the bottom axis, and reserves its height there; entries wrap after COLUMNS.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

COLUMNS = 3
LAYOUT_ROW = 4  # PlotItem's grid: 0 title, 1 top axis, 2 data, 3 bottom axis


class LegendRow(pg.LegendItem):
    """A frameless legend placed in a PlotItem's layout under the plot (see `attach`)."""

    def __init__(self, **kwargs):
        super().__init__(colCount=COLUMNS, horSpacing=6, **kwargs)
        self.layout.setContentsMargins(0, 2, 0, 2)
        self.layout.setHorizontalSpacing(6)

    def updateSize(self):
        """Reserve the entries' size (margins and spacing included) in the plot's layout instead
        of pyqtgraph's floating geometry."""
        self.layout.invalidate()
        size = self.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        self.setMinimumSize(size)
        self.setMaximumSize(size)  # entries side by side, not spread over the plot's width
        self.updateGeometry()

    def paint(self, painter, *args):
        """No box: the row sits on the plot's background, outside the data."""


def attach(plot: pg.PlotItem) -> LegendRow:
    """Give `plot` a LegendRow under its bottom axis; it becomes `plot.legend`."""
    legend = LegendRow()
    plot.layout.addItem(legend, LAYOUT_ROW, 1)
    plot.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    plot.legend = legend
    return legend
