"""The application icon: resources/icons/strata.svg plus PNGs rendered from it.

    python -m app.firstrun.icons      # (re)writes resources/icons/strata_<size>.png
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter

ICONS_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"
SOURCE_SVG = Path(__file__).resolve().parents[2] / "packaging" / "icons" / "strata.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_png(svg_path: Path, size: int) -> QImage:
    """Render `svg_path` to a transparent size×size image (QtSvg)."""
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise ValueError(f"{svg_path}: not a valid SVG icon")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def write_icon_set(svg_path: Path = SOURCE_SVG, out_dir: Path = ICONS_DIR, sizes=SIZES) -> list[Path]:
    """Copy the SVG into `out_dir` and write strata_<size>.png for each size; returns the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    svg_target = out_dir / "strata.svg"
    if svg_path.resolve() != svg_target.resolve():
        shutil.copyfile(svg_path, svg_target)
    written.append(svg_target)
    for size in sizes:
        target = out_dir / f"strata_{size}.png"
        temp = target.with_suffix(".png.tmp")
        if not render_png(svg_path, size).save(str(temp), "PNG"):
            raise OSError(f"could not write {target}")
        temp.replace(target)
        written.append(target)
    return written


def app_icon(folder: Path = ICONS_DIR) -> QIcon:
    """The window icon: every PNG size found in `folder`, else the SVG; empty when neither exists."""
    icon = QIcon()
    for size in SIZES:
        png = folder / f"strata_{size}.png"
        if png.exists():
            icon.addFile(str(png))
    if icon.isNull() and (folder / "strata.svg").exists():
        icon.addFile(str(folder / "strata.svg"))
    return icon


def main() -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for path in write_icon_set():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
