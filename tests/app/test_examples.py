"""The shipped example projects: valid, trusted, trainable, exportable and reproducible."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.demo import EXAMPLES_DIR, load, train_document
from app.graph.compiler import compile_document
from app.graph.export import export_python
from app.graph.project import TrustStore, load_project

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(EXAMPLES_DIR))
import make_examples  # noqa: E402

STEMS = list(make_examples.EXAMPLES)
SMALL = 48  # rows used for the quick training and export runs


@pytest.fixture(autouse=True)
def _private_trust_store(tmp_path, monkeypatch):
    """Nothing is trusted through the user's own trust list during these tests."""
    monkeypatch.setenv("STRATA_CONFIG_DIR", str(tmp_path / "config"))


def _project_json(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.json")


def test_every_example_is_committed_and_listed():
    shipped = sorted(p.stem for p in EXAMPLES_DIR.glob("*.strata"))
    assert shipped == sorted(STEMS)
    index = json.loads((EXAMPLES_DIR / "index.json").read_text(encoding="utf-8"))
    assert sorted(index) == sorted(f"{stem}.strata" for stem in STEMS)
    assert make_examples.DEMO in STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_example_has_title_and_description_in_both_languages(stem):
    doc = load(EXAMPLES_DIR / f"{stem}.strata")
    about = doc.settings["example"]
    index = json.loads((EXAMPLES_DIR / "index.json").read_text(encoding="utf-8"))
    assert index[f"{stem}.strata"] == about
    for key in ("title", "description"):
        assert about[key]["en"].strip() and about[key]["zh_CN"].strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in about[key]["zh_CN"]), about[key]["zh_CN"]
    assert len(about["description"]["en"]) > 40


def test_regenerating_reproduces_the_committed_projects(tmp_path):
    make_examples.write_all(tmp_path)
    for stem in STEMS:
        assert _project_json(tmp_path / f"{stem}.strata") == _project_json(EXAMPLES_DIR / f"{stem}.strata"), (
            f"{stem}.strata is stale: run python resources/examples/make_examples.py")
    assert (tmp_path / "index.json").read_bytes() == (EXAMPLES_DIR / "index.json").read_bytes()
    again = tmp_path / "again"
    make_examples.write_all(again)
    for stem in STEMS:
        assert (again / f"{stem}.strata").read_bytes() == (tmp_path / f"{stem}.strata").read_bytes()


def test_guide_sections_are_covered():
    docs = {stem: load(EXAMPLES_DIR / f"{stem}.strata") for stem in STEMS}

    def types(doc):
        return {n.type for b in doc.blocks.values() for n in b.nodes.values()}

    sources = {stem: [n.params["source"] for b in d.blocks.values() for n in b.nodes.values()
                      if n.type == "CustomLayer"] for stem, d in docs.items()}
    assert "def build(" in sources["01_linear"][0] and "add_weight" in sources["01_linear"][0]
    assert "trainable=False" in sources["02_compute_sum"][0]
    mlp = docs["03_mlp_block"]
    block = next(b for b in mlp.blocks.values() if b.name == "MLPBlock")
    assert [n.params["activation"] for n in block.nodes.values() if n.type == "Dense"].count("relu") == 2
    assert sum(n.type == "Dense" for n in block.nodes.values()) == 3
    assert any(n.type == "Block" and n.block == block.id for n in mlp.model.nodes.values())
    assert "ActivityRegularizationLayer" in types(docs["04_activity_regularization"])
    endpoint = docs["05_logistic_endpoint"]
    assert "LogisticEndpoint" in types(endpoint)
    assert sorted(n.params["name"] for n in endpoint.block_inputs("model")) == ["inputs", "targets"]
    resnet = docs["06_resnet"]
    res_block = next(b for b in resnet.blocks.values() if b.name == "ResNetBlock")
    assert {"Conv2D", "BatchNormalization", "Add"} <= {n.type for n in res_block.nodes.values()}
    assert len(resnet.instances_of(res_block.id)) == 2
    assert {"GlobalAveragePooling2D", "Dense"} <= types(resnet)
    assert docs["07_digits_cnn"].settings["data"]["dataset"] == "digits"
    assert "LSTM" in types(docs["08_sine_lstm"]) and docs["08_sine_lstm"].settings["data"]["dataset"] == "sine"
    assert docs["09_spiral"].settings["data"]["dataset"] == "spiral"
    linked = docs["10_linked_blocks"]
    hidden = next(b for b in linked.blocks.values() if b.name == "HiddenBlock")
    assert [label for _, n in linked.instances_of(hidden.id) for label in [n.label]] == ["mlp_1", "mlp_2"]


def test_shipped_examples_are_trusted_but_copies_elsewhere_are_not(tmp_path):
    store = TrustStore(tmp_path / "trust.json")
    shipped = load_project(EXAMPLES_DIR / "01_linear.strata", trust=store)
    assert shipped.trusted and not shipped.problems()
    copy = tmp_path / "01_linear.strata"
    shutil.copy(EXAMPLES_DIR / "01_linear.strata", copy)
    outside = load_project(copy, trust=store)
    assert not outside.trusted
    assert [p.kind for p in outside.problems()] == ["untrusted"]
    dotted = EXAMPLES_DIR / ".." / "examples" / "01_linear.strata"
    assert load_project(dotted, trust=store).trusted
    link = tmp_path / "link.strata"
    link.symlink_to(EXAMPLES_DIR / "01_linear.strata")
    assert load_project(link, trust=store).trusted  # a link to a shipped file is the shipped file


@pytest.mark.parametrize("stem", STEMS)
def test_example_validates_compiles_and_trains(stem):
    doc = load(EXAMPLES_DIR / f"{stem}.strata")
    assert doc.trusted
    assert doc.problems() == []
    compiled = compile_document(doc)
    assert compiled.model.count_params() == doc.total_params() > 0
    _, history = train_document(doc, epochs=1, verbose=0, samples=SMALL)
    assert len(history["loss"]) == 1 and math.isfinite(history["loss"][0])
    assert len(doc.weights.to_arrays()[0]) > 0  # trained weights went back into the document


def _small_copy(stem):
    doc = load(EXAMPLES_DIR / f"{stem}.strata")
    doc.settings["training"]["epochs"] = 1
    doc.settings["data"]["params"]["samples"] = SMALL
    return doc


@pytest.mark.parametrize("stem", STEMS)
def test_exported_engine_code_builds_and_trains(stem, tmp_path, capsys):
    doc = _small_copy(stem)
    path = tmp_path / f"exported_{stem}.py"
    path.write_text(export_python(doc, "engine"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"exported_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_model().count_params() == doc.total_params()
    model = module.main()
    losses = [float(v) for v in model.history.history["loss"]]
    assert len(losses) == 1 and math.isfinite(losses[0])


def test_exported_code_runs_as_a_script(tmp_path):
    doc = _small_copy("05_logistic_endpoint")
    script = tmp_path / "model.py"
    script.write_text(export_python(doc, "engine"), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loss:" in result.stdout and "accuracy" in result.stdout


def test_compute_sum_total_is_non_trainable_and_accumulates():
    import numpy as np

    doc = load(EXAMPLES_DIR / "02_compute_sum.strata")
    compiled, _ = train_document(doc, epochs=1, verbose=0, samples=SMALL)
    layer = next(l for l in compiled.model.layers if type(l).__name__ == "ComputeSum")
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 1
    total = np.asarray(layer.non_trainable_weights[0].numpy())
    assert total.shape == (2,) and np.all(np.isfinite(total)) and np.abs(total).sum() > 1.0


def test_exported_data_is_shuffled_so_validation_split_sees_every_class(tmp_path):
    import numpy as np

    doc = load(EXAMPLES_DIR / "09_spiral.strata")
    path = tmp_path / "spiral_export.py"
    path.write_text(export_python(doc, "engine"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("spiral_export", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x, y = module.load_data(module.build_model())
    assert x.shape == (300, 2) and sorted(np.bincount(y).tolist()) == [100, 100, 100]
    held_out = y[-60:]  # what fit(validation_split=0.2) holds out
    assert len(set(held_out.tolist())) == 3
