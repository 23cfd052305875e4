"""`FrameThrottle`: draw the latest of a stream of values at a fixed frame rate.

Training sends decision-boundary grids (and could send other pictures) as fast as it computes
them; drawing each one would spend the GUI's time on frames nobody sees. The throttle keeps only
the newest value and hands it to `draw` at most once per frame: the first value of a burst is
drawn at once (the view reacts immediately), later ones wait for the next timer tick.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

LIVE_FPS = 5


class FrameThrottle(QObject):
    """Calls `draw(value)` for the newest submitted value, at most `fps` times a second."""

    def __init__(self, draw, fps: float = LIVE_FPS, parent=None):
        super().__init__(parent)
        self._draw = draw
        self._pending = None
        self._has_pending = False
        self.frames = 0  # how many values were drawn
        self.timer = QTimer(self)
        self.timer.setInterval(int(round(1000 / fps)))
        self.timer.timeout.connect(self._tick)

    def submit(self, value) -> None:
        """Offer a new value; it replaces a value still waiting for its frame."""
        if self.timer.isActive():
            self._pending, self._has_pending = value, True
            return
        self._show(value)
        self.timer.start()

    def flush(self) -> None:
        """Draw a waiting value now (the run ended) and stop ticking."""
        self.timer.stop()
        if self._has_pending:
            self._tick()

    def _tick(self) -> None:
        if not self._has_pending:
            self.timer.stop()  # idle: the next value is drawn as soon as it comes
            return
        value, self._pending, self._has_pending = self._pending, None, False
        self._show(value)

    def _show(self, value) -> None:
        self.frames += 1
        self._draw(value)
