"""A status bar whose contents shrink instead of being cut off at the window's right edge.

`ElidedLabel` is a QLabel that can be narrower than its text: it then shows the text cut with
"…" (the whole text in its tooltip), so the status bar's layout can squeeze the permanent
widgets (progress, epoch, ETA, problems, zoom) into a narrow window instead of pushing the last
ones off the edge. `ElidingStatusBar` draws its temporary message the same way in the room left
of the permanent widgets; `currentMessage()` still returns the whole message.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QStatusBar, QStyle, QStyleOption, QWidget

ELLIPSIS = "…"
MIN_CHARS = 3  # an elided label keeps at least this many characters before the "…"


class ElidedLabel(QLabel):
    """A one-line label that elides its text when the layout gives it less than it asks for."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._own_tooltip = ""

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        text = self.text()
        shortest = text if len(text) <= MIN_CHARS + 1 else text[:MIN_CHARS] + ELLIPSIS
        margins = self.contentsMargins()
        hint.setWidth(min(hint.width(), self.fontMetrics().horizontalAdvance(shortest)
                          + margins.left() + margins.right() + 2 * self.margin()))
        return hint

    def shown_text(self) -> str:
        """The text as drawn: the whole text, or its start and "…" when the label is too narrow."""
        width = self.contentsRect().width() - 2 * self.margin()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, max(width, 0))

    def setToolTip(self, text: str) -> None:
        self._own_tooltip = text
        super().setToolTip(text)

    def paintEvent(self, event):
        shown = self.shown_text()
        elided = shown != self.text()
        tip = "\n".join(t for t in (self.text() if elided else "", self._own_tooltip) if t)
        if tip != self.toolTip():
            super().setToolTip(tip)
        if not elided:
            return super().paintEvent(event)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect().adjusted(self.margin(), 0, -self.margin(), 0)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)


class ElidingStatusBar(QStatusBar):
    """A QStatusBar that elides its temporary message to the room left of the permanent widgets."""

    LEFT = 6  # QStatusBar's own left margin for the message

    def message_rect(self) -> QRect:
        """Where the message is drawn: from the left margin to just before the first visible
        permanent widget."""
        right = self.width() - 12
        for widget in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if widget.isVisible():  # the permanent ones (QStatusBar hides the others under a message)
                right = min(right, widget.x() - 4)
        return QRect(self.LEFT, 0, max(right - self.LEFT, 0), self.height())

    def shown_message(self) -> str:
        """The message as drawn: whole, or cut with "…" to fit `message_rect`."""
        return self.fontMetrics().elidedText(self.currentMessage(), Qt.TextElideMode.ElideRight,
                                             self.message_rect().width())

    def paintEvent(self, event):
        message = self.currentMessage()
        if not message:
            return super().paintEvent(event)
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.message_rect(), int(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
                                                  | Qt.TextFlag.TextSingleLine), self.shown_message())
        tip = message if self.shown_message() != message else ""
        if tip != self.toolTip():
            self.setToolTip(tip)
