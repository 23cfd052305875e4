"""packaging/strata.spec puts the precompiled kernel cache where the frozen engine looks for it.

The spec is executed with PyInstaller's build steps recorded instead of run (no bundle is built)."""

import os
import shutil
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_spec(root: Path, monkeypatch) -> dict:
    """Execute the spec as PyInstaller would for a source tree at `root`; returns Analysis' keywords."""
    recorded = {}

    class Recorder:
        def __init__(self, *args, **kwargs):
            recorded.update(kwargs)
            self.pure = self.scripts = self.binaries = self.datas = []

    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = lambda name: []
    hooks.collect_submodules = lambda name: []
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    spec = root / "packaging" / "strata.spec"
    namespace = {"SPECPATH": str(spec.parent), "Analysis": Recorder, "PYZ": Recorder, "EXE": Recorder,
                 "COLLECT": Recorder, "__file__": str(spec)}
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), namespace)
    return recorded


def source_tree(tmp_path, complete=True) -> Path:
    root = tmp_path / "src"
    (root / "packaging").mkdir(parents=True)
    (root / "resources").mkdir()
    shutil.copy(ROOT / "packaging" / "strata.spec", root / "packaging")
    shutil.copy(ROOT / "packaging" / "launcher.py", root / "packaging")
    version = root / "engine" / "backend" / "cpu" / "_compiled" / "kernels-0123456789abcdef"
    version.mkdir(parents=True)
    (version / "kernel.nbi").write_bytes(b"x")
    if complete:
        (version / "strata-shipped-complete.json").write_text("{}")
    return root


def test_spec_ships_the_compiled_kernels_where_the_frozen_engine_finds_them(tmp_path, monkeypatch):
    from engine.backend.cpu import shipped_kernels

    root = source_tree(tmp_path)
    datas = run_spec(root, monkeypatch)["datas"]
    compiled = root / "engine" / "backend" / "cpu" / "_compiled"
    shipped = [(Path(source), target) for source, target in datas if Path(source) == compiled]
    assert len(shipped) == 1
    # frozen, a module's __file__ is sys._MEIPASS/<package path>/<module>.pyc: SHIPPED_BASE is then
    # sys._MEIPASS/<target>, the same relative place as in the source tree
    in_tree = shipped_kernels.SHIPPED_BASE.relative_to(ROOT)
    assert Path(shipped[0][1]) == in_tree
    meipass = tmp_path / "bundle" / "_internal"
    frozen_file = meipass / Path(shipped_kernels.__name__.replace(".", os.sep) + ".pyc")
    assert frozen_file.parent / "_compiled" == meipass / shipped[0][1]
    assert (Path(os.path.join(root, "resources")), "resources") in [(Path(s), t) for s, t in datas]


def test_spec_without_a_complete_kernel_cache_names_the_folder_and_the_command(tmp_path, monkeypatch):
    root = source_tree(tmp_path, complete=False)
    with pytest.raises(SystemExit) as info:
        run_spec(root, monkeypatch)
    message = str(info.value)
    assert str(root / "engine" / "backend" / "cpu" / "_compiled") in message
    assert "python -m engine.backend.ship_kernels" in message
