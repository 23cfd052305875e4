"""The documentation stays true: screenshots exist and are made by `make screenshots`, the README's
layer example works as the README says, the commands it names exist."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "tutorial.md", ROOT / "docs" / "tutorial.zh-CN.md",
        ROOT / "docs" / "architecture.md", ROOT / "CHANGELOG.md"]


def _image_links(path: Path) -> list[Path]:
    text = path.read_text(encoding="utf-8")
    return [(path.parent / link).resolve() for link in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_image_link_points_to_a_file(path):
    for image in _image_links(path):
        assert image.is_file(), f"{path.name} links to missing {image}"


def test_each_screenshot_is_made_by_make_screenshots_and_used():
    from app import screenshots

    linked = {p.name for doc in DOCS for p in _image_links(doc)}
    made = {f"{name}.png" for name in screenshots.SHOTS}
    assert linked <= made, f"linked but not generated: {sorted(linked - made)}"
    assert made <= linked, f"generated but never shown: {sorted(made - linked)}"
    for example, language, _action, _height in screenshots.SHOTS.values():
        assert (screenshots.EXAMPLES / example).is_file()
        assert language in ("en", "zh_CN")


def test_makefile_screenshots_target_runs_the_module():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nscreenshots:", 1)[1].split("\n\n", 1)[0]
    assert "-m app.screenshots" in recipe


def test_unknown_screenshot_name_is_refused(capsys):
    from app import screenshots

    assert screenshots.main(["no_such_shot"]) == 2
    assert "no_such_shot" in capsys.readouterr().err


@pytest.mark.gui
def test_block_entered_shot_shows_the_inside_of_the_block(tmp_path, qapp, monkeypatch):
    from PySide6.QtGui import QImage

    from app import screenshots

    monkeypatch.setenv("STRATA_CONFIG_DIR", str(tmp_path / "config"))
    out = screenshots.take("block_entered", tmp_path)
    image = QImage(str(out))
    assert (image.width(), image.height()) == screenshots.SIZE
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 41)}
    assert len(colours) > 20  # a real window, not a blank image
    assert not (tmp_path / "block_entered.ini").exists()


def _readme_layer_source() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("engine/layers/core/scale.py", 1)[1]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


def test_readme_layer_example_reaches_palette_inspector_compile_save_and_export(tmp_path, monkeypatch):
    """The README's `Scale` layer, registered the way the README says, works end to end."""
    import engine.layers
    from app.graph import AddNode, Connect, Document, MODEL_ID
    from app.graph.catalogue import categories, node_type
    from app.graph.compiler import compile_document
    from app.graph.export import export_python
    from engine import keras

    namespace: dict = {"__name__": "engine.layers.core.scale"}
    exec(compile(_readme_layer_source(), "scale.py", "exec"), namespace)
    scale_class = namespace["Scale"]
    monkeypatch.setattr(engine.layers, "Scale", scale_class, raising=False)
    monkeypatch.setitem(engine.layers.CATEGORIES, "Scale", "Core")

    assert "Scale" in categories()["Core"]
    assert [(p.name, p.kind, p.default) for p in node_type("Scale").params] == [("initial", "float", 1.0)]

    doc = Document()
    source = doc.apply(AddNode(MODEL_ID, "Input", {"shape": (3,)})).node_id
    scale = doc.apply(AddNode(MODEL_ID, "Scale", {"initial": 2.0})).node_id
    sink = doc.apply(AddNode(MODEL_ID, "Output")).node_id
    doc.apply(Connect(MODEL_ID, (source, "output"), (scale, "inputs")))
    doc.apply(Connect(MODEL_ID, (scale, "output"), (sink, "inputs")))
    assert doc.problems() == []
    assert doc.total_params() == 1

    model = compile_document(doc).model
    np.testing.assert_allclose(model.predict(np.ones((2, 3), "float32"), verbose=0), 2.0)
    path = tmp_path / "scale.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(np.full((1, 3), 3.0, "float32"), verbose=0), 6.0)
    assert 'keras.layers.Scale(initial=2.0, name="scale_1")' in export_python(doc, target="engine")
