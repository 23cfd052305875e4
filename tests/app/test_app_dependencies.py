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


def _make_n(target: str, venv: Path) -> str:
    done = subprocess.run(["make", "-n", f"VENV={venv}", target], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_installs_only_the_app_and_make_test_adds_the_oracles(tmp_path):
    venv = tmp_path / "venv"  # never created: `make -n` only prints what it would do
    run, test = _make_n("run", venv), _make_n("test", venv)
    assert "pip install -q -e .\n" in run and "oracle" not in run and "[test" not in run
    assert "-m app.demo" in run
    assert "pip install -q -e '.[test,oracle]'" in test and "-m pytest" in test
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch(mode=0o755)
    (venv / ".installed-app").touch()  # after `make run`: `make test` adds only the test extras
    test_after_run = _make_n("test", venv)
    assert "pip install -q -e .\n" not in test_after_run and "'.[test,oracle]'" in test_after_run
    (venv / ".installed-test").touch()  # both done: neither installs again
    assert "pip install" not in _make_n("test", venv) and "pip install" not in _make_n("run", venv)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
