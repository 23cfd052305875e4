"""Every `strata` command on a corpus of bad inputs: one `strata: error: FILE: ...` line on
stderr, exit status 1 (the command failed) or 2 (the command line is wrong), never a traceback,
and nothing written or changed.

The whole matrix runs in this process through `app.cli.main` (an exception escaping it fails
the test); a representative case of each command also runs as `python -m app ...` in a
subprocess, the way a user meets it. The `.keras` files Strata must refuse (a Lambda, a custom
class, a Keras layer or operation Strata lacks, a setting it cannot represent) are saved by
real Keras 3.
"""

import json
import os
import pathlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from app.cli import main
from app.graph import SetSetting
from app.graph.project import save_project
from tests.app.graph.helpers import mlp_document

ROOT = pathlib.Path(__file__).resolve().parents[3]
BROKEN = pathlib.Path(__file__).parent / "broken"
EXPECTED = json.loads((BROKEN / "expected.json").read_text(encoding="utf-8"))
PROJECT_COMMANDS = {
    "validate": lambda f: ["validate", f],
    "summary": lambda f: ["summary", f],
    "train": lambda f: ["train", f, "--epochs", "1"],
    "export": lambda f: ["export", f, "--target", "keras", "-o", f + ".py"],
    "gui": lambda f: [f],                 # the editor's launcher checks its file before Qt starts
}
# A Keras layer Strata does not provide (the first of these the engine lacks).
MISSING_KERAS_LAYERS = ("UnitNormalization", "AlphaDropout", "GaussianDropout", "RMSNormalization")


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    """name -> path of each bad input, plus a few good files to damage."""
    folder = tmp_path_factory.mktemp("bad_inputs")
    files = {"missing": folder / "missing.strata", "folder": folder / "a_folder.strata",
             "empty": folder / "empty.strata", "random": folder / "random.strata",
             "text": folder / "notes.txt", "file": folder / "plain_file"}
    files["folder"].mkdir()
    files["empty"].write_bytes(b"")
    files["random"].write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    files["text"].write_text("not a model\n", encoding="utf-8")
    files["file"].write_text("a file, so nothing can be written below it\n", encoding="utf-8")
    doc, _ = mlp_document(units=(3, 2), input_dim=2)
    doc.apply(SetSetting("data", {"dataset": "xor", "params": {"samples": 16}}))
    good = folder / "good.strata"
    save_project(doc, good)
    files["good"] = good
    files["truncated"] = folder / "truncated.strata"
    files["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _keras_files(folder, files)
    return files


def _keras_files(folder, files):
    import keras

    @keras.saving.register_keras_serializable(package="MyLab")
    class Scale(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    def save(name, model):
        path = folder / f"{name}.keras"
        model.save(path)
        files[name] = path

    inputs = keras.Input(shape=(4,), name="features")
    save("good_keras", keras.Model(inputs, keras.layers.Dense(2, name="head")(inputs)))
    save("lambda", keras.Sequential([keras.Input(shape=(4,)), keras.layers.Lambda(lambda x: x * 2.0, name="double")]))
    save("custom", keras.Sequential([keras.Input(shape=(4,)), Scale(name="scale_it")]))
    missing = next(n for n in MISSING_KERAS_LAYERS if n not in _engine_layers())
    files["missing_class"] = missing
    extra = {"rate": 0.1} if missing.endswith("Dropout") else {}
    save("missing_layer", keras.Sequential([keras.Input(shape=(4,)),
                                            getattr(keras.layers, missing)(name="lacking", **extra)]))
    x = keras.Input(shape=(4,))
    save("operation", keras.Model(x, keras.ops.sort(x)))
    x = keras.Input(shape=(3, 4))
    save("setting", keras.Model(x, keras.layers.LayerNormalization(axis=[1, 2], name="ln")(x)))
    good = files["good_keras"].read_bytes()
    files["truncated_keras"] = folder / "truncated.keras"
    files["truncated_keras"].write_bytes(good[: len(good) // 2])
    broken_json = folder / "broken_config.keras"
    with zipfile.ZipFile(files["good_keras"]) as source, zipfile.ZipFile(broken_json, "w") as target:
        for item in source.namelist():
            target.writestr(item, b"{ not json" if item == "config.json" else source.read(item))
    files["broken_config"] = broken_json


def _engine_layers():
    from engine.layers import builtin_layers

    return set(builtin_layers())


def _fails_cleanly(argv, capsys, code, *fragments):
    """main(argv) returns `code` and prints exactly one error line holding `fragments`."""
    result = main([str(a) for a in argv])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert result == code, f"{argv}: exit {result}, stderr: {captured.err}"
    assert "Traceback" not in captured.err + captured.out
    assert len(lines) == 1 and lines[0].startswith("strata: error: "), f"{argv}: {captured.err!r}"
    for fragment in fragments:
        assert str(fragment) in lines[0], f"{argv}: {fragment!r} not in {lines[0]!r}"
    return lines[0]


def _unchanged(paths):
    return {p: (p.read_bytes() if p.is_file() else None) for p in paths}


@pytest.mark.parametrize("command", sorted(PROJECT_COMMANDS))
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_broken_projects(command, case, capsys, tmp_path):
    path = BROKEN / case
    before = _unchanged([path])
    _fails_cleanly(PROJECT_COMMANDS[command](str(path)), capsys, 1, path, EXPECTED[case])
    assert _unchanged([path]) == before and not pathlib.Path(str(path) + ".py").exists()


@pytest.mark.parametrize("command", sorted(PROJECT_COMMANDS))
@pytest.mark.parametrize("case, fragment", [
    ("missing", "No such file"), ("folder", "Is a directory"), ("empty", "not a zip"), ("random", "not a zip"),
    ("truncated", "truncated"), ("text", "not a zip"), ("good_keras", "this is a Keras model"),
])
def test_bad_project_files(command, case, fragment, bad, capsys):
    path = bad[case]
    argv = PROJECT_COMMANDS[command](str(path))
    if command == "gui" and case == "missing":
        fragment = "no such file"
    if command == "gui" and case == "good_keras":
        fragment = "strata import"
    before = _unchanged([path])
    _fails_cleanly(argv, capsys, 1, path, fragment)
    assert _unchanged([path]) == before


@pytest.mark.parametrize("case, fragments", [
    ("missing", ["no such file"]), ("folder", ["is a folder"]), ("empty", ["not a .keras archive"]),
    ("random", ["not a .keras archive"]), ("truncated_keras", ["not a .keras archive"]),
    ("good", ["config.json is missing"]),                       # a .strata where a .keras belongs
    ("broken_config", ["config.json"]),
    ("lambda", ["'double'", "Lambda"]),
    ("custom", ["'scale_it'", "MyLab>Scale"]),
    ("missing_layer", ["'lacking'", "missing_class"]),
    ("operation", ["layer 'sort", "Sort", "keras.src.ops"]),
    ("setting", ["'ln'", "LayerNormalization", "axis"]),
])
def test_import_refuses_bad_keras_files_and_writes_nothing(case, fragments, bad, capsys, tmp_path):
    out = tmp_path / "out.strata"
    fragments = [bad["missing_class"] if f == "missing_class" else f for f in fragments]
    path = bad[case] if case != "missing" else tmp_path / "missing.keras"
    _fails_cleanly(["import", path, "-o", out], capsys, 1, path, *fragments)
    assert list(tmp_path.iterdir()) == []          # no output, no temporary file left behind


def test_unwritable_outputs_are_named(bad, capsys, tmp_path):
    below_a_file = bad["file"] / "out"
    _fails_cleanly(["import", bad["good_keras"], "-o", f"{below_a_file}.strata"], capsys, 1, below_a_file,
                   "Not a directory")
    for weights in ([], ["--with-weights"]):
        _fails_cleanly(["export", bad["good"], "--target", "keras", *weights, "-o", f"{below_a_file}.py"], capsys, 1,
                       below_a_file, "Not a directory")
    copy = tmp_path / "copy.strata"
    copy.write_bytes(bad["good"].read_bytes())
    before = _unchanged([copy])
    _fails_cleanly(["train", copy, "--epochs", "1", "--log-json", f"{below_a_file}.jsonl"], capsys, 1,
                   below_a_file)
    assert _unchanged([copy]) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.strata"]


@pytest.mark.parametrize("argv, fragment", [
    (["export", "{good}", "--target", "pytorch", "-o", "x.py"], "invalid choice: 'pytorch'"),
    (["export", "{good}", "--target", "keras"], "-o/--output"),
    (["import", "{good_keras}", "-o", "{tmp}/out.txt"], "must be a .strata file"),
    (["validate"], "required: file"),
    (["validate", "{good}", "--colour"], "unrecognized arguments: --colour"),
    (["train", "{good}", "--epochs", "0"], "--epochs must be at least 1"),
    (["train", "{good}", "--epochs", "two"], "invalid int value: 'two'"),
    (["warmup", "now"], "unrecognized arguments: now"),
    (["--bogus"], "unknown option '--bogus'"),
    (["{good}", "{good}"], "the editor opens one file"),
])
def test_usage_mistakes_exit_2(argv, fragment, bad, capsys, tmp_path):
    argv = [a.format(good=bad["good"], good_keras=bad["good_keras"], tmp=tmp_path) for a in argv]
    _fails_cleanly(argv, capsys, 2, fragment)
    assert list(tmp_path.iterdir()) == []


def _cli(args, env_update=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(ROOT)
    env.update(env_update or {})
    return subprocess.run([sys.executable, "-m", "app", *map(str, args)], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=600)


def test_commands_in_a_subprocess_print_one_line_and_no_traceback(bad, tmp_path):
    out = tmp_path / "out"
    cases = [
        (["validate", BROKEN / "bad_json.strata"], 1, "line 1 column"),
        (["summary", bad["random"]], 1, "not a zip"),
        (["train", bad["missing"], "--epochs", "1"], 1, "No such file"),
        (["export", bad["truncated"], "--target", "keras", "-o", f"{out}.py"], 1, "truncated"),
        (["export", bad["good"], "--target", "pytorch", "-o", f"{out}.py"], 2, "invalid choice"),
        (["import", bad["lambda"], "-o", f"{out}.strata"], 1, "Lambda"),
        (["import", bad["truncated_keras"], "-o", f"{out}.strata"], 1, "not a .keras archive"),
        (["warmup", "now"], 2, "unrecognized arguments"),
        ([BROKEN / "unknown_node_type.strata"], 1, "Denseee"),
    ]
    for args, code, fragment in cases:
        result = _cli(args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == code, f"{args}: {result.stderr}"
        assert "Traceback" not in result.stderr and len(lines) == 1, f"{args}: {result.stderr}"
        assert lines[0].startswith("strata: error: ") and fragment in lines[0], f"{args}: {lines[0]}"
    assert list(tmp_path.iterdir()) == []


def test_editor_without_a_display_says_so(bad):
    result = _cli([bad["good"]], drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("strata: error: no display")
