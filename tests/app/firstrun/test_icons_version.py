"""The icon set (SVG + PNG 16..512), the window icon, one version everywhere."""

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.firstrun.icons import ICONS_DIR, SIZES, app_icon, write_icon_set
from engine.version import __version__

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.gui


def test_shipped_icon_set_is_complete():
    assert (ICONS_DIR / "strata.svg").read_bytes() == (ROOT / "packaging" / "icons" / "strata.svg").read_bytes()
    for size in SIZES:
        image = QImage(str(ICONS_DIR / f"strata_{size}.png"))
        assert (image.width(), image.height()) == (size, size), size
        assert image.hasAlphaChannel()
        assert image.pixelColor(0, 0).alpha() == 0  # rounded corner is transparent
        assert image.pixelColor(size // 2, size // 2).alpha() == 255


def test_render_icon_set(qapp, tmp_path):
    written = write_icon_set(out_dir=tmp_path, sizes=(16, 40))
    assert [p.name for p in written] == ["strata.svg", "strata_16.png", "strata_40.png"]
    assert QImage(str(tmp_path / "strata_40.png")).width() == 40
    broken = tmp_path / "broken.svg"
    broken.write_text("<svg", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.svg"):
        write_icon_set(broken, tmp_path / "out", sizes=(16,))


def test_window_has_the_icon(window):
    assert not window.windowIcon().isNull()
    assert 256 in {s.width() for s in app_icon().availableSizes()}


def test_version_from_one_place():
    metainfo = (ROOT / "packaging" / "io.github.strata.Strata.metainfo.xml").read_text(encoding="utf-8")
    assert re.findall(r'<release version="([^"]+)"', metainfo)[0] == __version__
    from app.firstrun.about import about_text

    assert f"Strata {__version__}" in about_text()


def test_about_box(qtbot, window):
    box = window.show_about()
    qtbot.addWidget(box)
    assert __version__ in box.text() and box.isVisible()
    box.close()
