"""Level of detail on the canvas: no card or wire text is painted under MIN_TEXT_PX on screen, at any
zoom; between the overview and full detail a card shows its label, bold and large."""

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from app.canvas.node_info import NodeInfo
from app.canvas.node_item import NodeItem, full_detail
from app.canvas.style import MIN_TEXT_PX, make_style
from app.canvas.wire_item import WireItem

ZOOMS = [0.2, 0.3, 0.4, 0.55, 0.6, 0.7, 0.8, 0.85, 0.9, 1.0, 1.5]


class RecordingPainter:
    """A real QPainter on an image, scaled to `zoom`, that notes each drawn text and its font size."""

    def __init__(self, zoom: float):
        self.image = QImage(400, 300, QImage.Format.Format_ARGB32)
        self.image.fill(0)
        self.painter = QPainter(self.image)
        self.painter.translate(20, 20)
        self.painter.scale(zoom, zoom)
        self.zoom = zoom
        self.texts: list[tuple[str, float]] = []  # (text, pixel size on screen)

    def drawText(self, *args):
        text = next(a for a in args if isinstance(a, str))
        self.texts.append((text, self.painter.font().pixelSize() * self.zoom))
        return self.painter.drawText(*args)

    def __getattr__(self, name):
        return getattr(self.painter, name)

    def finish(self):
        self.painter.end()
        return self.texts


def card_texts(info, zoom, presentation=False):
    item = NodeItem(info, make_style("dark", presentation))
    painter = RecordingPainter(zoom)
    item.paint(painter, QStyleOptionGraphicsItem())
    return painter.finish()


CARDS = [NodeInfo("n1", "dense_1", "Dense", "Core", "128 · relu", 802_944),
         NodeInfo("n2", "add_1", "Add", "Merging", "", 0, inputs=["a", "b"]),
         NodeInfo("n3", "broken_1", "Dense", "Core", "8", 72, problems=["does not fit"])]


@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize("zoom", ZOOMS)
def test_no_card_text_is_painted_unreadably_small(qapp, zoom, presentation):
    for info in CARDS:
        texts = card_texts(info, zoom, presentation)
        small = [(text, round(px, 1)) for text, px in texts if px < MIN_TEXT_PX - 1e-6]
        assert not small, (info.label, zoom, small)


@pytest.mark.parametrize("zoom", [0.55, 0.6, 0.7, 0.8])
def test_between_overview_and_full_detail_a_card_shows_its_label_and_summary(qapp, zoom):
    texts = card_texts(CARDS[0], zoom)
    assert [text for text, _px in texts] == ["dense_1", "128 · relu"]
    assert all(px >= MIN_TEXT_PX for _text, px in texts)
    assert texts[0][1] > texts[1][1]  # the label leads


def test_a_zoomed_out_card_without_room_for_two_lines_keeps_its_label(qapp):
    texts = card_texts(CARDS[0], 0.3)
    assert len(texts) == 1 and texts[0][1] >= MIN_TEXT_PX


def test_full_detail_from_the_zoom_where_the_smallest_font_reads(qapp):
    style = make_style("dark")
    assert not full_detail(0.8, style) and full_detail(0.9, style) and full_detail(1.0, style)
    texts = dict(card_texts(CARDS[0], 1.0))
    assert {"dense_1", "Dense", "128 · relu"} <= set(texts)
    # presentation fonts are 1.4x: full text sooner
    assert full_detail(0.65, make_style("dark", True))


def test_far_out_the_card_keeps_its_type_initial(qapp):
    texts = card_texts(CARDS[0], 0.2)
    assert texts and all(px >= MIN_TEXT_PX for _t, px in texts)


@pytest.mark.parametrize("zoom", [0.6, 0.8, 0.9, 1.0])
def test_wire_shape_label_is_never_unreadably_small(qapp, zoom):
    source, target = NodeItem(CARDS[0]), NodeItem(CARDS[2])
    target.setPos(QPointF(420, 160))
    wire = WireItem(source.output_ports[0], target.input_ports[0], "e1", make_style("dark"))
    wire.set_state("(None, 28, 28, 32)", False)
    painter = RecordingPainter(zoom)
    wire.paint(painter, QStyleOptionGraphicsItem())
    texts = painter.finish()
    assert all(px >= MIN_TEXT_PX for _t, px in texts), texts
    assert bool(texts) == (zoom >= 0.9)  # the label itself is shown where it reads


@pytest.mark.parametrize("example", ["06_resnet", "07_digits_cnn", "10_linked_blocks"])
def test_fit_to_view_names_every_card_readably(window, example):
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from app.graph.project import TrustStore, load_project

    path = Path(__file__).resolve().parents[3] / "resources" / "examples" / f"{example}.strata"
    window.set_document(load_project(path, trust=TrustStore()), path)
    window.resize(1600, 1000)
    QApplication.processEvents()
    window.view.fit_readable()
    zoom = window.view.zoom()
    for item in window.scene.node_items.values():
        painter = RecordingPainter(zoom)
        item.paint(painter, QStyleOptionGraphicsItem())
        texts = painter.finish()
        assert texts, (example, item.info.label, zoom)
        assert all(px >= MIN_TEXT_PX for _t, px in texts), (example, texts)
        assert any(text.rstrip("…") and item.info.label.startswith(text.rstrip("…")) for text, _px in texts)
