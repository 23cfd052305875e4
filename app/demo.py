"""`make run` / `python -m app.demo`: Strata on its demo project (the spiral classifier).

With a display, the main window opens on the demo project. Without one (no DISPLAY or
WAYLAND_DISPLAY on Linux, or QT_QPA_PLATFORM=offscreen) the demo runs headless: it trains the
project with the Keras progress bar, saves the trained project, exports its code as Python and
renders a screenshot of the main window offscreen, all into the output folder.

    python -m app.demo [--headless] [--epochs N] [--output DIR] [--project FILE.strata]

`STRATA_DEMO_EPOCHS` sets the epochs when `--epochs` is not given (tests use 1).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "resources" / "examples"
DEMO_PROJECT = EXAMPLES_DIR / "09_spiral.strata"
DEFAULT_OUTPUT = Path("demo-output")


class DemoError(Exception):
    """A user-facing problem (bad option, unreadable project, data that does not fit)."""


def is_headless(environ=None, platform: str | None = None) -> bool:
    """True when no window can be shown: offscreen Qt, or Linux without X11/Wayland."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    if platform.startswith("linux"):
        return not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
    return False


def load(path):
    """Load a project (examples shipped with Strata are trusted); DemoError if unreadable."""
    from app.graph.project import TrustStore, load_project
    from app.graph.serialize import ProjectError

    try:
        return load_project(path, trust=TrustStore())
    except ProjectError as exc:
        raise DemoError(str(exc)) from None


def training_settings(doc, epochs: int | None = None):
    """The project's `settings["training"]` as TrainingSettings (`epochs` overrides)."""
    from app.training.settings import TrainingSettings

    stored = dict(doc.settings.get("training") or {})
    fields = TrainingSettings.__dataclass_fields__
    values = {k: v for k, v in stored.items() if k in fields and v is not None}
    if "validation_fraction" not in values and stored.get("validation_split") is not None:
        values["validation_fraction"] = stored["validation_split"]
    if epochs is not None:
        values["epochs"] = epochs
    settings = TrainingSettings(**values)
    try:
        settings.validate()
    except ValueError as exc:
        raise DemoError(f"training settings: {exc}") from None
    return settings


def train_document(doc, epochs: int | None = None, verbose: int = 1, samples: int | None = None):
    """Compile `doc`, fit it on its data set with its training settings, store the weights back.

    Returns (compiled model, history dict {metric: [per epoch]}). `samples` keeps only that many
    rows of the data, drawn at random (quick checks). Raises DemoError for documents or data that cannot train.
    """
    from app.data import DataError, load_dataset
    from app.graph.compiler import CompileError, compile_document
    from app.training.job import prepare
    from engine.random import set_seed

    if not doc.trusted:
        raise DemoError("the project contains custom code that is not trusted")
    spec = doc.settings.get("data")
    if not spec:
        raise DemoError("the project has no data set (settings.data)")
    settings = training_settings(doc, epochs)
    try:
        compiled = compile_document(doc)
    except CompileError as exc:
        raise DemoError(str(exc)) from None
    try:
        dataset = load_dataset(spec)
        if samples is not None and samples < len(dataset):
            import numpy as np

            dataset = dataset.take(np.sort(np.random.default_rng(0).permutation(len(dataset))[:samples]))
        train_xy, val_xy = prepare(compiled.model, dataset, settings)
    except (DataError, ValueError) as exc:
        raise DemoError(f"data set {spec.get('dataset')!r}: {exc}") from None
    set_seed(settings.seed)
    x, y = train_xy
    validation = None
    if val_xy is not None:
        validation = val_xy if val_xy[1] is not None else (val_xy[0],)
    history = compiled.model.fit(x, y, batch_size=settings.batch_size, epochs=settings.epochs, verbose=verbose,
                                 validation_data=validation, shuffle=True)
    compiled.store_weights(doc)
    record = {key: [float(v) for v in values] for key, values in history.history.items()}
    doc.history.append({"epoch": list(range(1, settings.epochs + 1)), **record})
    return compiled, record


def run_headless(project=DEMO_PROJECT, output=DEFAULT_OUTPUT, epochs: int | None = None,
                 screenshot: bool = True) -> dict:
    """Train, save, export and screenshot the demo into `output`; returns the written paths."""
    from app.graph.export import ExportError, export_python
    from app.graph.project import atomic_write_bytes, save_project

    output = Path(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"{output}: cannot create the output folder: {exc.strerror or exc}") from None
    doc = load(project)
    stem = Path(project).stem
    title = (doc.settings.get("example") or {}).get("title", {}).get("en", stem)
    print(f"Training {title!r} ({doc.total_params():,} parameters) on data set "
          f"{doc.settings['data']['dataset']!r}", flush=True)
    _, history = train_document(doc, epochs)
    written = {}
    written["project"] = output / f"{stem}.strata"
    save_project(doc, written["project"])
    Path(str(written["project"]) + ".bak").unlink(missing_ok=True)
    try:
        code = export_python(doc, "engine")
    except ExportError as exc:
        raise DemoError(str(exc)) from None
    written["code"] = output / f"{stem}.py"
    atomic_write_bytes(written["code"], code.encode("utf-8"))
    if screenshot:
        written["screenshot"] = render_screenshot(written["project"], output / f"{stem}.png")
    print(f"final loss {history['loss'][-1]:.4f}", flush=True)
    for kind, path in written.items():
        print(f"wrote {kind}: {path}", flush=True)
    return {"history": history, **written}


def render_screenshot(project, out_png) -> Path:
    """The main window on `project`, rendered offscreen to `out_png`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from app.screenshot import render
    except ImportError as exc:
        raise DemoError(f"cannot render a screenshot: the main window is not available ({exc})") from None
    return Path(render(str(out_png), str(project), tab="Training"))


def run_gui(project=DEMO_PROJECT) -> int:
    """Open the main window on `project` (saving asks for a new place: examples stay pristine)."""
    from app.cli import CliError, open_gui

    try:
        import app.main_window  # noqa: F401
    except ImportError as exc:
        raise DemoError(f"the Strata window is not available here ({exc})") from None
    from app.main_window import MainWindow

    original = MainWindow.open_path

    def open_as_example(window, path, *args, **kwargs):
        if Path(path).resolve() == Path(project).resolve():
            kwargs["as_copy"] = True
        return original(window, path, *args, **kwargs)

    MainWindow.open_path = open_as_example
    try:
        return open_gui([str(project)])
    except CliError as exc:
        raise DemoError(str(exc)) from None
    finally:
        MainWindow.open_path = original


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--headless", action="store_true", help="run the headless demo even with a display")
    parser.add_argument("--epochs", type=int, help="training epochs (default: $STRATA_DEMO_EPOCHS or the project's)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="folder for the headless results")
    parser.add_argument("--project", default=str(DEMO_PROJECT), help="project to open or train")
    parser.add_argument("--no-screenshot", action="store_true", help="headless: skip the window screenshot")
    return parser


def main(argv=None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    epochs = args.epochs
    try:
        if epochs is None and os.environ.get("STRATA_DEMO_EPOCHS"):
            raw = os.environ["STRATA_DEMO_EPOCHS"]
            try:
                epochs = int(raw)
            except ValueError:
                raise DemoError(f"STRATA_DEMO_EPOCHS must be a whole number; received {raw!r}") from None
        if epochs is not None and epochs < 1:
            raise DemoError(f"epochs must be at least 1; received {epochs}")
        if args.headless or is_headless():
            print("No display found: running the demo headless "
                  f"(train, export code, screenshot into {args.output}/)." if not args.headless else
                  f"Running the demo headless (train, export code, screenshot into {args.output}/).", flush=True)
            run_headless(args.project, args.output, epochs, screenshot=not args.no_screenshot)
            return 0
        return run_gui(args.project)
    except DemoError as exc:
        print(f"strata demo: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
