"""A model built by exported code survives Keras' own `model.save` / `keras.models.load_model`:
every class the export writes (block classes, pattern layers, the subclassed Model) is
registered with Keras' serialization, so a fresh process that imports the exported file loads
the saved `.keras` with the same weights and predictions (no `custom_objects` needed)."""

import pathlib
import textwrap

import pytest

from app.cli import main
from app.graph.document import MODEL_ID
from app.graph.project import load_project
from tests.app.graph.standalone import run_without_strata

pytestmark = pytest.mark.oracle
EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "resources" / "examples"

SAVE = """
import numpy as np, keras, exported
model = exported.build_model()
x = np.random.default_rng(0).normal(size=(3,) + SHAPE).astype("float32")
np.save("x.npy", x)
np.save("y.npy", keras.ops.convert_to_numpy(model(x)))
model.save("saved.keras")
"""

LOAD = """
import numpy as np, keras, exported
model = keras.models.load_model("saved.keras")
np.testing.assert_allclose(keras.ops.convert_to_numpy(model(np.load("x.npy"))), np.load("y.npy"), rtol=1e-5, atol=1e-6)
print("reloaded", type(model).__name__, len(model.weights))
"""


@pytest.mark.parametrize("style", ["functional", "subclass"])
@pytest.mark.parametrize("example", ["03_mlp_block", "04_activity_regularization", "06_resnet", "10_linked_blocks"])
def test_exported_model_saved_by_keras_loads_again_in_a_new_process(example, style, tmp_path, capsys):
    code = tmp_path / "exported.py"
    assert main(["export", str(EXAMPLES / f"{example}.strata"), "--target", "keras", "--style", style,
                 "-o", str(code)]) == 0, capsys.readouterr().err
    assert "@keras.saving.register_keras_serializable(" in code.read_text(encoding="utf-8")
    (source_input,) = load_project(EXAMPLES / f"{example}.strata").block_inputs(MODEL_ID)
    shape = source_input.params["shape"]
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for step in (SAVE, LOAD):
        script = tmp_path / "step.py"
        script.write_text(textwrap.dedent(step).replace("SHAPE", repr(shape)), encoding="utf-8")
        run = run_without_strata([str(script)], tmp_path)
        assert run.returncode == 0, run.stderr[-3000:]
    assert "reloaded" in run.stdout
