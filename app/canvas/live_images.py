"""Thumbnails of live summaries (app.training.summaries) as QImages, drawn once per update.

A node card paints the cached image with one `drawImage`, so a repaint of the canvas costs
nothing extra while training; the images are rebuilt only when a new probe arrives.
"""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

THUMB_WIDTH = 160
THUMB_HEIGHT = 36
# A small perceptual ramp (dark blue -> teal -> yellow) for feature maps.
_RAMP = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype="float64")
_LUT = np.stack([np.interp(np.linspace(0, 4, 256), np.arange(5), _RAMP[:, c]) for c in range(3)], 1).astype("uint8")


def _blank(width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    return image


def _rgba_image(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of an (h, w, 4) uint8 RGBA array."""
    h, w = pixels.shape[:2]
    pixels = np.ascontiguousarray(pixels)
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


@functools.lru_cache(maxsize=16)
def _bar_columns(width: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel column: which bar it belongs to, and whether it is the gap between bars."""
    bar = width / bins
    columns = np.arange(width)
    index = np.minimum((columns / bar).astype(int), bins - 1)
    gap = (columns - index * bar) >= bar - 1 if bar >= 3 else np.zeros(width, bool)
    return index, gap


def histogram_image(summary: dict, colour: QColor, width: int = THUMB_WIDTH, height: int = THUMB_HEIGHT) -> QImage:
    """Bars of the histogram counts on a square-root scale (a ReLU's spike at zero does not flatten
    the rest), tallest bar full height, over a faint baseline with a tick where zero falls.

    Drawn with numpy as an alpha mask over one colour: ~0.1 ms, against ~0.3 ms with a QPainter.
    """
    counts = np.sqrt(np.asarray(summary["counts"], dtype="float64"))
    pixels = np.empty((height, width, 4), dtype="uint8")
    pixels[..., :3] = (colour.red(), colour.green(), colour.blue())
    if counts.size == 0:
        pixels[..., 3] = 0
        return _rgba_image(pixels)
    index, gap = _bar_columns(width, counts.size)
    peak = counts.max() or 1.0
    bars = np.round((height - 1) * counts[index] / peak).astype(int)  # rows above the baseline
    tops = height - 1 - bars  # first filled row per column
    filled = (np.arange(height)[:, None] >= tops[None, :]) & (counts[index] > 0)[None, :] & ~gap[None, :]
    alpha = filled.astype("uint8") * np.uint8(255)
    alpha[height - 1] = 110  # faint baseline
    if summary["lo"] < 0 < summary["hi"]:  # where zero falls
        x = min(int(round(width * (0 - summary["lo"]) / (summary["hi"] - summary["lo"]))), width - 1)
        alpha[:, x] = np.maximum(alpha[:, x], 110)
    pixels[..., 3] = alpha
    return _rgba_image(pixels)


def tile_image(summary: dict, width: int = THUMB_WIDTH, height: int = THUMB_HEIGHT) -> QImage:
    """The feature maps side by side, colour-mapped, each scaled (nearest) to the thumbnail height."""
    tile = np.asarray(summary["tile"], dtype="uint8")
    count, h, w = tile.shape
    gap = 3
    side = height
    image = _blank(width, height)
    painter = QPainter(image)
    for c in range(count):
        rgb = np.ascontiguousarray(_LUT[tile[c]])
        source = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        scale = side / max(h, w)
        target = QRectF(c * (w * scale + gap), (height - h * scale) / 2, w * scale, h * scale)
        painter.drawImage(target, source)
    painter.end()
    return image


def sparkline_image(summary: dict, colour: QColor, width: int = THUMB_WIDTH, height: int = THUMB_HEIGHT) -> QImage:
    """The mean activation per time step as a line, scaled to its own range."""
    image = _blank(width, height)
    values = np.asarray(summary["values"], dtype="float64")
    if values.size == 0:
        return image
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo if hi > lo else 1.0
    xs = np.linspace(1, width - 1, values.size) if values.size > 1 else np.array([width / 2])
    ys = (height - 2) - (values - lo) / span * (height - 4)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(colour, 1.6))
    painter.drawPolyline(QPolygonF([QPointF(float(x), float(y)) for x, y in zip(xs, ys)]))
    painter.end()
    return image


def summary_image(summary: dict, colour: QColor, width: int = THUMB_WIDTH, height: int = THUMB_HEIGHT) -> QImage:
    """The thumbnail for any summary kind ("hist", "tile", "spark")."""
    kind = summary.get("kind")
    if kind == "hist":
        return histogram_image(summary, colour, width, height)
    if kind == "tile":
        return tile_image(summary, width, height)
    if kind == "spark":
        return sparkline_image(summary, colour, width, height)
    raise ValueError(f"unknown summary kind {kind!r}")


def summary_caption(summary: dict) -> str:
    """One line for the tooltip: what the thumbnail shows and its numbers."""
    kind = summary.get("kind")
    stats = f"mean {summary.get('mean', 0.0):.3g}, std {summary.get('std', 0.0):.3g}"
    if kind == "hist":
        return f"activations {summary['lo']:.3g} … {summary['hi']:.3g} ({stats})"
    if kind == "tile":
        return f"{len(summary['tile'])} feature maps of sample 1 ({stats})"
    return f"mean over {summary.get('steps', 0)} time steps ({stats})"
