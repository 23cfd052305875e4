"""Run exported code where Strata cannot be imported: a folder put first on PYTHONPATH holds
`app` and `engine` packages whose import raises, and the repository is not on the path."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

BLOCKER = 'raise ImportError("exported code must not import Strata ({})")\n'


def blocked_path(tmp_path) -> str:
    """A folder whose `app` and `engine` packages raise ImportError when imported."""
    folder = tmp_path / "no_strata"
    for package in ("app", "engine"):
        (folder / package).mkdir(parents=True, exist_ok=True)
        (folder / package / "__init__.py").write_text(BLOCKER.format(package), encoding="utf-8")
    return str(folder)


def run_without_strata(args, tmp_path, cwd=None, timeout=900) -> subprocess.CompletedProcess:
    """`python *args` on the Keras torch backend, with `app` and `engine` unimportable."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    env.update(PYTHONPATH=blocked_path(tmp_path), KERAS_BACKEND="torch", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, *args], cwd=str(cwd or tmp_path), env=env, capture_output=True,
                          text=True, timeout=timeout)


def imported_modules(source: str) -> set:
    """Top-level names of every module the source imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names
