"""Every category of the layer catalogue has its own card colour and its place in the palette,
so a new family of layers (Attention) is not drawn in the fallback grey and sorted last."""

from app.canvas.style import CATEGORY_COLOURS, FALLBACK_CATEGORY_COLOUR
from app.panels.palette import CATEGORY_ORDER, palette_entries


def test_every_catalogue_category_has_a_colour_and_a_palette_place():
    found = set(palette_entries().values())
    assert {"Attention", "Recurrent", "Preprocessing"} <= found
    assert found - set(CATEGORY_ORDER) == set()
    assert found - set(CATEGORY_COLOURS) == set()
    for category in found - {"Core"}:
        assert CATEGORY_COLOURS[category] != FALLBACK_CATEGORY_COLOUR, category


def test_category_colours_are_distinct():
    layer_families = {c: v for c, v in CATEGORY_COLOURS.items() if c not in ("Input", "Output")}
    assert len(set(layer_families.values())) == len(layer_families)
