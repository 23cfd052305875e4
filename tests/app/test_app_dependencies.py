"""`make run` installs only `pip install -e .`: the app must work without the oracles (PyTorch,
real Keras) and the test tools, which only `make test` installs."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'keras', 'pytest', 'pytestqt', 'hypothesis', 'tensorflow'):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: not installed by make run)", name=name)
sys.meta_path.insert(0, Absent())
"""


def test_the_app_needs_neither_the_oracles_nor_the_test_tools(tmp_path):
    example = ROOT / "resources" / "examples" / "09_spiral.strata"
    script = BLOCKER + f"""
from app.cli import main
assert main(["summary", {str(example)!r}]) == 0
assert main(["train", {str(example)!r}, "--epochs", "1", "-o", {str(tmp_path / "t.strata")!r}]) == 0
import app.main_window, app.training.child, app.training.integration, app.demo, app.screenshot
print("ok")
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    env.pop("KERAS_BACKEND", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path,
                          timeout=600)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
    assert (tmp_path / "t.strata").is_file()
