"""`import engine` (and `from engine import keras, tf`) stays light: no numba, scipy or torch."""

import json
import subprocess
import sys

HEAVY = ("numba", "scipy", "torch", "keras", "h5py", "PySide6")


def _modules_after(statement):
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=__file__.rsplit("/tests/", 1)[0])
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _heavy(modules):
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_import_engine_loads_no_heavy_package():
    assert _heavy(_modules_after("import engine")) == []


def test_keras_and_tf_namespaces_load_no_heavy_package():
    assert _heavy(_modules_after("from engine import keras, tf")) == []


def test_building_and_training_a_small_model_never_loads_the_test_oracles():
    modules = _modules_after(
        "from engine import keras\nimport numpy as np\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "m.compile(optimizer='adam', loss='mse')\n"
        "m.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)"
    )
    # numba (and scipy, which numba imports) may load once kernels run; torch, keras and Qt never
    assert [m for m in _heavy(modules) if m.split(".")[0] in ("torch", "keras", "PySide6")] == []
    assert "numba" in modules or "scipy" not in modules
