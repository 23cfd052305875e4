"""The `strata` command.

    strata [--lang=LANG] [FILE.strata]       open the editor (GUI); LANG: system, en, zh_CN
    strata validate FILE                     list each problem per node; exit 1 if any
    strata summary FILE                      the model summary (layers, shapes, parameters)
    strata train FILE [--epochs N] [--device cpu|cuda] [--log-json PATH] [--trust]
                 [-o OUT.strata | --in-place] [--force]   (default output: FILE-trained.strata)
    strata export FILE --target engine|keras [--style functional|subclass] [--with-weights] -o model.py
    strata import model.keras -o FILE.strata [--no-fold] [--force]
    strata warmup                            compile every numba kernel now (the GUI does it in the background)
    strata --screenshot OUT.png [FILE]       (GUI screenshot, see app.screenshot)

User mistakes print one line, `strata: error: FILE: what and where`, to stderr and never a
traceback: exit status 1 when the command failed (a missing, broken or refused file, a model
that cannot build, an unwritable output), 2 when the command line is wrong (usage).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

COMMANDS = ("validate", "summary", "train", "export", "import", "warmup")


class CliError(Exception):
    """A user-facing error: printed to stderr as one line, exit status `code` (1: the command
    failed, e.g. on a bad file; 2: the command line itself is wrong)."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as a CliError (one line, exit status 2)."""

    def error(self, message):
        raise CliError(message, code=2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="strata", formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="strata [--lang=LANG] [FILE.strata]\n       strata --screenshot OUT.png [FILE] [--light] "
              "[--presentation] [--lang=LANG] [--select=LABEL]\n       strata COMMAND ...",
        description="Build, check, train and export Strata projects.\n\n"
                    "  strata [FILE.strata]        open the editor (the GUI), on FILE if given\n"
                    "  --lang=LANG                 the editor's language for this session: system, en or zh_CN\n"
                    "                              (default: Preferences › Language)\n"
                    "  --screenshot OUT.png [FILE] render the editor window to a PNG without showing it",
        epilog="Run `strata COMMAND --help` for a command's options.")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND", prog="strata")
    p = sub.add_parser("validate", help="check a project and list its problems")
    p.add_argument("file")
    p = sub.add_parser("summary", help="print the model summary")
    p.add_argument("file")
    p = sub.add_parser("train", help="train headless; write the trained project to a new file",
                       description="Train FILE headless. The trained project (weights and the run's history) "
                                   "goes to --output, by default FILE-trained.strata beside FILE; FILE itself "
                                   "is left as it is unless --in-place. An existing output is never "
                                   "overwritten without --force. The installed examples are never written.")
    p.add_argument("file")
    p.add_argument("--epochs", type=int)
    p.add_argument("--device", choices=("cpu", "cuda"), default=None)
    p.add_argument("--log-json", dest="log_json")
    p.add_argument("--trust", action="store_true", help="trust this project's custom code (remembered)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", help="where to write the trained project (default: FILE-trained.strata)")
    where.add_argument("--in-place", action="store_true", help="write the trained project back to FILE (keeps FILE.bak)")
    p.add_argument("--force", action="store_true", help="overwrite --output if it exists (keeps OUTPUT.bak)")
    p = sub.add_parser("export", help="write the model as Python")
    p.add_argument("file")
    p.add_argument("--target", choices=("engine", "keras"), default="engine")
    p.add_argument("--style", choices=("functional", "subclass"), default="functional")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--with-weights", dest="with_weights", action="store_true",
                   help="also write the trained weights beside the code as NAME.weights.h5, which the code loads")
    p = sub.add_parser("import", help="open a .keras file as a project")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--no-fold", action="store_true", help="keep repeated structure flat (no linked blocks)")
    p.add_argument("--force", action="store_true", help="overwrite --output if it exists (keeps OUTPUT.bak)")
    sub.add_parser("warmup", help="compile every numba kernel into the cache now")
    return parser


def _load(path, trust_flag=False):
    from app.graph.project import TrustStore, load_project, trust_document
    from app.graph.serialize import ProjectError

    store = TrustStore()
    try:
        doc = load_project(path, trust=store)
    except ProjectError as exc:
        raise CliError(str(exc)) from None
    if trust_flag and not doc.trusted:
        trust_document(doc, store)
    return doc, store


def _problem_lines(doc) -> list[str]:
    lines = []
    for p in doc.problems():
        block = doc.blocks[p.block].name if p.block in doc.blocks else p.block
        where = f"{block}" + (f" / {doc.blocks[p.block].nodes[p.node].label}" if p.node and p.block in doc.blocks
                              and p.node in doc.blocks[p.block].nodes else "")
        lines.append(f"{where}: [{p.kind}] {p.message}")
    return lines


def cmd_validate(args) -> int:
    doc, _ = _load(args.file)
    lines = _problem_lines(doc)
    for line in lines:
        print(line)
    if lines:
        print(f"{args.file}: {len(lines)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.file}: no problems ({doc.total_params():,} parameters)")
    return 0


def _compile(doc, path):
    from app.graph.compiler import CompileError, compile_document

    try:
        return compile_document(doc)
    except CompileError as exc:
        raise CliError(f"{path}: {exc}", code=1) from None


def cmd_summary(args) -> int:
    doc, _ = _load(args.file)
    compiled = _compile(doc, args.file)
    compiled.model.summary(print_fn=print)
    return 0


def _data(doc, model, path):
    spec = doc.settings.get("data")
    if not spec:
        raise CliError(f"{path}: the project has no data set; choose one in the Data tab "
                       "(settings.data = {\"dataset\": name, \"params\": {...}}).")
    try:
        import app.data as data_module
    except ImportError:
        raise CliError("This Strata build has no data sets (app.data is missing); cannot train headless.") from None
    load = getattr(data_module, "load_dataset", None)
    if load is None:
        raise CliError("app.data has no load_dataset(spec); cannot resolve the project's data set.")
    try:
        dataset = load(spec)
        fit_arrays = getattr(data_module, "fit_arrays", None)
        if fit_arrays is not None:
            x, y = fit_arrays(dataset, model)
        elif isinstance(dataset, tuple):
            x, y = dataset
        else:
            x, y = dataset.x, dataset.y
    except ValueError as exc:
        raise CliError(f"{path}: data set {spec.get('dataset')!r}: {exc}") from None
    return dataset, x, y


def _compile_for_training(model, settings: dict, dataset, path):
    try:
        from app.training.settings import TrainingSettings, compile_model
    except ImportError:
        TrainingSettings = compile_model = None
    task = getattr(dataset, "task", "classification")
    if TrainingSettings is not None:
        fields = TrainingSettings.__dataclass_fields__
        values = {k: v for k, v in settings.items() if k in fields}
        if "validation_split" in settings and "validation_fraction" in fields:
            values.setdefault("validation_fraction", settings["validation_split"])
        if values.get("loss") is None:
            values.pop("loss", None)
        try:
            training = TrainingSettings(**values)
            training.validate()
            compile_model(model, training, task)
        except (TypeError, ValueError) as exc:
            raise CliError(f"{path}: training settings: {exc}") from None
        return
    from engine import keras

    loss = settings.get("loss")
    if loss in (None, "auto"):
        loss = "mse" if task == "regression" else "sparse_categorical_crossentropy"
    if isinstance(loss, str) and loss.startswith("none"):
        loss = None
    try:
        optimizer = keras.optimizers.get(settings.get("optimizer", "adam"))
        if settings.get("learning_rate") is not None:
            optimizer.learning_rate = settings["learning_rate"]
        model.compile(optimizer=optimizer, loss=loss, metrics=list(settings.get("metrics") or []))
    except (TypeError, ValueError) as exc:
        raise CliError(f"{path}: training settings: {exc}") from None


def _train_output(args) -> str:
    """Where `strata train` writes: --output, FILE itself with --in-place, else FILE-trained.strata
    beside FILE. Refuses the installed examples and an existing file without --force/--in-place."""
    from pathlib import Path

    from app.graph.project import TRUSTED_DIRECTORIES

    source = Path(args.file)
    if args.in_place:
        output = source
    elif args.output:
        output = Path(args.output)
    else:
        stem = source.name[:-len(".strata")] if source.name.endswith(".strata") else source.name
        output = source.with_name(f"{stem}-trained.strata")
    resolved = output.resolve()
    if any(resolved.is_relative_to(folder.resolve()) for folder in TRUSTED_DIRECTORIES):
        raise CliError(f"{output}: will not write into Strata's installed examples; "
                       "choose another file with --output PATH.", code=2)
    if resolved.is_dir():
        raise CliError(f"{output}: is a folder; give the trained project's file name with --output PATH.", code=2)
    if output.exists() and not (args.in_place or args.force):
        raise CliError(f"{output}: already exists; pass --force to overwrite it (the old one is kept as "
                       f"{output.name}.bak), --in-place to write back to {source.name}, or choose "
                       "another file with --output PATH.", code=2)
    return str(output)


def cmd_train(args) -> int:
    from engine import keras

    output = _train_output(args)
    doc, store = _load(args.file, args.trust)
    if not doc.trusted:
        raise CliError(f"{args.file}: this project contains custom code you have not trusted; "
                       "run again with --trust if you trust its author.")
    settings = dict(doc.settings.get("training") or {})
    epochs = args.epochs if args.epochs is not None else int(settings.get("epochs", 5))
    if epochs < 1:
        raise CliError(f"--epochs must be at least 1; received {epochs}", code=2)
    device = args.device or settings.get("device") or "cpu"
    from engine.backend.cuda import CudaUnavailable

    try:
        device_scope = keras.device(device)   # engine.backend.device: the scope training runs in
        device_scope.__enter__()
    except CudaUnavailable as exc:
        raise CliError(f"{args.file}: cannot train on {device!r}: {exc}", code=1) from None
    except (ValueError, RuntimeError, ImportError) as exc:
        raise CliError(f"device {device!r} is not available: {exc}") from None
    try:
        compiled = _compile(doc, args.file)
        dataset, x, y = _data(doc, compiled.model, args.file)
        _compile_for_training(compiled.model, settings, dataset, args.file)
        log = open(args.log_json, "w", encoding="utf-8") if args.log_json else None
        epoch_logs = []

        class JsonLines(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                record = {"epoch": epoch + 1}
                record.update({k: float(v) for k, v in sorted((logs or {}).items())})
                epoch_logs.append(record)
                line = json.dumps(record, sort_keys=True)
                if log is not None:
                    log.write(line + "\n")
                    log.flush()
                else:
                    print(line, flush=True)

        validation = settings.get("validation_fraction", settings.get("validation_split", 0.0)) or 0.0
        try:
            compiled.model.fit(x, y, epochs=epochs, batch_size=int(settings.get("batch_size", 32)),
                               validation_split=float(validation), verbose=1, callbacks=[JsonLines()])
        finally:
            if log is not None:
                log.close()
    finally:
        device_scope.__exit__(None, None, None)
    compiled.store_weights(doc)
    run = {}
    for record in epoch_logs:
        for key, value in record.items():
            run.setdefault(key, []).append(value)
    doc.history.append(run)
    from app.graph.project import save_project

    try:
        save_project(doc, output, trust=store)
    except OSError as exc:
        raise CliError(f"{output}: cannot write the trained project: {exc.strerror or exc}", code=1) from None
    except ValueError as exc:  # ProjectError: a value that cannot be saved, named
        raise CliError(str(exc), code=1) from None
    print(f"saved the trained project to {output}", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from app.graph.export import ExportError
    from app.graph.export_files import write_export

    doc, _ = _load(args.file)
    try:
        written = write_export(doc, args.output, args.target, args.style, weights=args.with_weights)
    except ExportError as exc:
        raise CliError(f"{args.file}: {exc}", code=1) from None
    except OSError as exc:
        raise CliError(f"{exc.filename or args.output}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {', '.join(written)}", file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    from app.graph.importer import ImportError_, import_keras
    from app.graph.project import save_project
    from app.graph.serialize import ProjectError

    if not str(args.output).endswith(".strata"):
        raise CliError(f"{args.output}: the project to write must be a .strata file", code=2)
    if os.path.isfile(args.output) and not args.force:
        raise CliError(f"{args.output}: already exists; pass --force to overwrite it (the old one is kept as "
                       f"{os.path.basename(args.output)}.bak), or choose another file with -o PATH.", code=2)
    try:
        doc = import_keras(args.file, fold=not args.no_fold)
    except ImportError_ as exc:
        raise CliError(str(exc)) from None
    try:
        save_project(doc, args.output)
    except ProjectError as exc:          # nothing was written
        raise CliError(f"{args.file}: imported, but {exc}") from None
    except OSError as exc:
        raise CliError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {args.output} ({len(doc.model.nodes)} nodes, {doc.total_params():,} parameters)", file=sys.stderr)
    return 0


def cmd_warmup(args) -> int:
    import time

    from engine import backend

    start = time.perf_counter()

    def progress(done, total):
        print(f"kernels {done}/{total}", file=sys.stderr, flush=True)

    backend.warmup(progress)
    print(f"kernels ready in {time.perf_counter() - start:.1f} s")
    return 0


def check_gui_arguments(argv) -> None:
    """Refuse, before Qt starts, what the editor cannot open (`argv` without --lang): an unknown
    option, more than one file, a missing or unreadable project, or no display to show a window on."""
    import os
    from pathlib import Path

    options = [a for a in argv if a.startswith("-")]
    if options:
        raise CliError(f"unknown option {options[0]!r}; the commands are {', '.join(COMMANDS)} "
                       "(strata --help), or give one .strata file to open in the editor", code=2)
    if len(argv) > 1:
        raise CliError(f"the editor opens one file; received {len(argv)}: {' '.join(argv)}", code=2)
    if argv:
        path = Path(argv[0])
        if not path.exists():
            hint = f" (the commands are {', '.join(COMMANDS)})" if not path.suffix else ""
            raise CliError(f"{path}: no such file{hint}")
        if path.suffix == ".keras":
            raise CliError(f"{path}: a Keras model, not a Strata project; convert it first: "
                           f"strata import {path} -o {path.with_suffix('.strata')}")
        from app.graph.project import load_project

        load_project(path)      # a ProjectError names the file and the place; nothing opens
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                                                 or os.environ.get("QT_QPA_PLATFORM")):
        raise CliError("no display to show the editor on (DISPLAY is not set); the command-line tools work "
                       "without one: strata validate|summary|train|export|import ...")


def open_gui(argv) -> int:
    """Start the editor; the window lives in app.main_window (loaded only now)."""
    from app.graph.serialize import ProjectError

    screenshot = bool(argv) and argv[0] == "--screenshot"
    language, rest = None, []
    for index, arg in enumerate(argv):
        if arg.startswith("--lang="):
            language = arg.partition("=")[2]
        elif arg == "--lang":
            language = argv[index + 1] if index + 1 < len(argv) else ""
        elif not (index and argv[index - 1] == "--lang"):
            rest.append(arg)
    if language == "":
        raise CliError("--lang needs a language: system, en or zh_CN (e.g. --lang=zh_CN)", code=2)
    if not screenshot:
        argv = rest
        try:
            check_gui_arguments(argv)
        except ProjectError as exc:
            raise CliError(str(exc)) from None
        if language:
            try:
                from app.i18n import resolve_language

                resolve_language(language)
            except ValueError as exc:
                raise CliError(f"--lang: {exc}", code=2) from None
            except ImportError:
                pass            # no Qt: reported below
    try:
        import app.main_window  # noqa: F401
    except ImportError as exc:
        if getattr(exc, "name", "") in ("app.main_window", "PySide6", "PySide6.QtWidgets"):
            raise CliError(f"The Strata editor is not available here ({exc}). The command-line tools work: "
                           "strata validate|summary|train|export|import ...") from None
        raise
    if argv and argv[0] == "--screenshot":
        from app.screenshot import main as screenshot_main

        return screenshot_main(argv[1:])
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.launch import create_window, show_window

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    qt_app.setOrganizationName("Strata")
    qt_app.setApplicationName("Strata")
    from app.firstrun.icons import app_icon

    qt_app.setWindowIcon(app_icon())
    settings = QSettings("Strata", "Strata")
    try:
        from app.i18n import install_translator
        from app.panels.theme import apply_theme

        try:
            install_translator(qt_app, language or str(settings.value("language", "system")))
        except ValueError as exc:  # an unknown --lang
            raise CliError(f"--lang: {exc}") from None
        apply_theme(qt_app, str(settings.value("theme", "dark")), settings.value("presentation", False, type=bool))
    except ImportError:
        pass
    window = create_window(settings=settings, dashboard=False)  # attached after the first paint
    show_window(window)  # maximised on a first start
    # The file opens now; the dashboard, kernel warm-up and welcome screen wait for the first paint.
    from app.firstrun.startup import schedule_startup

    schedule_startup(window, argv, qt_app)
    return qt_app.exec()


def one_line(message: str) -> str:
    """A possibly multi-line message (a list of problems) as one line."""
    lines = [line.strip().removeprefix("- ").strip() for line in message.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) <= 1:
        return lines[0] if lines else message
    return lines[0] + " " + "; ".join(lines[1:])


def _guarded(handler, args) -> int:
    """Run a command; an expected failure (a bad file, a refused import or export, a model
    that cannot build or train, a file that cannot be written) becomes a CliError naming the
    file, exit status 1. Programming errors keep their traceback."""
    from app.graph.evaluate import CustomCodeError

    subject = getattr(args, "file", None)
    try:
        return handler(args)
    except OSError as exc:
        where = exc.filename or subject
        what = exc.strerror or str(exc)
        raise CliError(f"{where}: {what}" if where else what, code=1) from None
    except MemoryError:
        raise CliError(f"{subject}: out of memory" if subject else "out of memory", code=1) from None
    except (ValueError, CustomCodeError) as exc:   # the project's, importer's, exporter's and engine's errors
        message = str(exc) or type(exc).__name__
        if subject and not message.startswith(str(subject)):
            message = f"{subject}: {message}"
        raise CliError(message, code=1) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `strata` script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or argv[0] not in COMMANDS + ("-h", "--help"):
            return open_gui(argv)
        args = _parser().parse_args(argv)
        handler = {"validate": cmd_validate, "summary": cmd_summary, "train": cmd_train, "export": cmd_export,
                   "import": cmd_import, "warmup": cmd_warmup}.get(args.command)
        if handler is None:
            raise CliError(f"a command is needed: {', '.join(COMMANDS)} (strata --help lists them)")
        return _guarded(handler, args)
    except CliError as exc:
        print(f"strata: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("strata: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
