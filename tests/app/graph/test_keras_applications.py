"""Every `keras.applications` architecture through Strata's graph: `strata import` -> `.strata`
-> reopen -> compile predicts what Keras predicts, weights kept; `strata export --target keras
--with-weights` gives code that builds the same model in real Keras and predicts the same.

The models come from the shared corpus (tests/keras_apps.py), built once per session by real
Keras 3 on the torch backend with seeded weights. Each numeric-tier architecture runs every
stage in this process (the exported file is executed with real Keras, and checked to import
nothing but numpy, os and keras); one representative (MobileNetV3Small: preprocessing,
operation nodes, nested padding) also runs its export in a subprocess where Strata cannot be
imported. The bigger variants are checked structurally: the importer accepts every layer and
operation of their configs.
"""

import importlib.util
import json

import numpy as np
import pytest

from app.cli import main
from app.graph.compiler import compile_document
from app.graph.export_files import write_export
from app.graph.project import load_project
from tests import keras_apps
from tests.app.graph.standalone import imported_modules, run_without_strata

pytestmark = pytest.mark.oracle

STANDALONE_EXPORTS = ("MobileNetV3Small",)


def _tolerance(expected):
    # as the engine's own test: the logits of a deep model reach hundreds; rtol alone is too strict near 0
    return dict(rtol=1e-3, atol=1e-4 * float(np.abs(expected).max()))


def _assert_predicts_like_keras(name, got, expected, keras_file, x, what):
    """Equal to Keras' prediction; on failure, also says how far the engine's own
    `load_model` is from Keras, to tell a graph bug from an engine one."""
    try:
        np.testing.assert_allclose(got, expected, **_tolerance(expected), err_msg=f"{name}: {what}")
    except AssertionError as failure:
        from engine import keras as engine_keras

        engine = np.asarray(engine_keras.models.load_model(keras_file).predict(x, verbose=0))
        raise AssertionError(f"{failure}\n{name}: the engine's own load_model is {np.abs(engine - expected).max():.3g} "
                             f"from Keras and {np.abs(engine - got).max():.3g} from this result") from None


def _import_and_reopen(name, keras_app, tmp_path, capsys):
    path, x, expected = keras_app(name)
    project = tmp_path / f"{name}.strata"
    assert main(["import", str(path), "-o", str(project)]) == 0, capsys.readouterr().err
    return load_project(project), x, expected


def _run_exported(code_path):
    spec = importlib.util.spec_from_file_location(f"exported_{code_path.stem}", code_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", keras_apps.NUMERIC)
def test_application_imports_reopens_compiles_and_exports(name, keras_app, tmp_path, capsys):
    doc, x, expected = _import_and_reopen(name, keras_app, tmp_path, capsys)
    assert doc.problems() == []
    compiled = compile_document(doc)
    with_weights = {path for path, layer in compiled.layers.items() if layer.get_weights()}
    assert with_weights and with_weights == set(doc.weights.entries)      # every layer's weights came along
    got = np.asarray(compiled.model.predict(x, verbose=0))
    _assert_predicts_like_keras(name, got, expected, keras_app(name).path, x,
                                "the reopened project predicts differently from Keras")

    code = tmp_path / f"{name.lower()}_keras.py"
    written = write_export(doc, code, "keras", weights=True)
    assert sorted(written) == sorted([str(code), str(code.with_suffix("")) + ".weights.h5"])
    assert imported_modules(code.read_text(encoding="utf-8")) <= {"os", "numpy", "keras"}
    module = _run_exported(code)
    model = module.load_trained_model()
    assert type(model).__module__.startswith("keras")
    again = np.asarray(model.predict(x, verbose=0))
    # real Keras with the exported weights: Keras' own numbers, whatever the engine's rounding
    np.testing.assert_allclose(again, expected, **_tolerance(expected),
                               err_msg=f"{name}: the exported Keras code predicts differently")


@pytest.mark.parametrize("name", STANDALONE_EXPORTS)
def test_exported_application_runs_where_strata_cannot_be_imported(name, keras_app, tmp_path, capsys):
    doc, x, expected = _import_and_reopen(name, keras_app, tmp_path, capsys)
    folder = tmp_path / "export"
    folder.mkdir()
    code = folder / "model.py"
    assert main(["export", str(tmp_path / f"{name}.strata"), "--target", "keras", "--with-weights",
                 "-o", str(code)]) == 0, capsys.readouterr().err
    np.save(folder / "x.npy", x)
    driver = folder / "drive.py"
    driver.write_text(
        "import json, sys\nimport numpy as np\nimport keras\nimport model\n"
        "assert 'app' not in sys.modules and 'engine' not in sys.modules\n"
        "m = model.load_trained_model()\n"
        "y = np.asarray(m.predict(np.load('x.npy'), verbose=0))\n"
        "print(json.dumps({'backend': keras.backend.backend(), 'y': y.tolist()}))\n", encoding="utf-8")
    result = run_without_strata([str(driver)], tmp_path, cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "torch"
    np.testing.assert_allclose(np.asarray(report["y"], dtype="float32"), expected, **_tolerance(expected))


@pytest.mark.parametrize("name", keras_apps.STRUCTURAL)
def test_importer_accepts_every_layer_of_the_bigger_variants(name):
    """Each layer and operation node of the variant's config becomes a node (no weights built)."""
    from app.graph.import_operations import is_operation, operation_node
    from app.graph.importer import MODEL_KINDS, _layer_params

    config = keras_apps.build_config(name)
    seen = 0

    def visit(model_config):
        nonlocal seen
        for layer in model_config["config"]["layers"]:
            if layer["class_name"] in MODEL_KINDS:
                visit(layer)
            elif is_operation(layer):
                operation_node(layer)
            elif layer["class_name"] != "InputLayer":
                _layer_params(f"{name}.keras", layer["config"]["name"], layer)
            seen += 1

    visit(config)
    assert seen > 100
