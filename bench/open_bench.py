"""Opening big imported models in the GUI (`python -m bench.canvas_bench --open`).

Builds ResNet50 and InceptionV3 with real Keras 3 (`weights=None`, small inputs), imports each
(folded, as `strata import` does, and flat with `--no-fold`), saves the project, then times in
the real main window: open the `.strata` file, lay out (already in the file), attach the
canvas, fit the whole model into the view and paint the first frame. The window is 1600 x 1000.
Also times the layered layout alone on the flat graphs. `--shots DIR` saves a picture of each
opened model at "Fit All".
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")

MODELS = {"ResNet50": ((64, 64, 3),), "InceptionV3": ((75, 75, 3),)}


def build_keras_files(folder: Path) -> dict:
    """name -> .keras path, built by real Keras with random weights."""
    import keras

    paths = {}
    for name, (shape,) in MODELS.items():
        model = getattr(keras.applications, name)(weights=None, input_shape=shape, classes=10)
        paths[name] = folder / f"{name}.keras"
        model.save(paths[name])
    return paths


def layout_times(doc, repeats: int = 5) -> tuple[float, str]:
    """(median seconds of one layered layout of the Model block, its crossings and extent)."""
    from app.graph.autolayout import block_positions

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        layout = block_positions(doc, "model")
        times.append(time.perf_counter() - start)
    xs = [p[0] for p in layout.positions.values()]
    ys = [p[1] for p in layout.positions.values()]
    facts = (f"{layout.crossings} crossings, {max(xs) - min(xs) + 184:.0f} x {max(ys) - min(ys) + 100:.0f} px "
             f"in {max(layout.band.values()) + 1} bands")
    return statistics.median(times), facts


def open_time(window, path: Path, shot: Path | None = None) -> tuple[float, float]:
    """(seconds from Open to the first painted frame at Fit All, zoom)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    start = time.perf_counter()
    if not window.open_path(str(path), ask_trust=False):
        raise RuntimeError(f"{path}: did not open")
    window.view.fit_all()
    app.processEvents()
    window.view.viewport().repaint()
    elapsed = time.perf_counter() - start
    if shot is not None:
        window.grab().save(str(shot))
    return elapsed, window.view.zoom()


def show_time(window, doc, shot: Path | None = None) -> tuple[float, float]:
    """(seconds to show an in-memory document at Fit All, zoom): the open without the file read."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    start = time.perf_counter()
    window.set_document(doc)
    window.view.fit_all()
    app.processEvents()
    window.view.viewport().repaint()
    elapsed = time.perf_counter() - start
    if shot is not None:
        window.grab().save(str(shot))
    return elapsed, window.view.zoom()


def main(argv=None) -> int:
    argv = list(argv or [])
    shots = Path(argv[argv.index("--shots") + 1]) if "--shots" in argv else None
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.graph.importer import import_keras
    from app.graph.project import ProjectError, save_project
    from app.launch import create_window

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = QSettings(str(folder / "bench.ini"), QSettings.Format.IniFormat)
        window = create_window(settings)
        window.resize(1600, 1000)
        window.show()
        app.processEvents()
        print("open bench: real main window 1600 x 1000, open .strata -> first frame at Fit All")
        for name, keras_path in build_keras_files(folder).items():
            for fold in (True, False):
                start = time.perf_counter()
                doc = import_keras(keras_path, fold=fold)
                imported = time.perf_counter() - start
                kind = "folded" if fold else "flat"
                blocks = sum(n.type == "Block" for n in doc.model.nodes.values())
                seconds, facts = layout_times(doc)
                line = (f"  {name:12s} {kind:6s}: {len(doc.model.nodes):3d} top-level nodes, {blocks:2d} block "
                        f"instances of {len(doc.blocks) - 1} definitions; import {imported:.2f} s; "
                        f"layout {seconds * 1000:.0f} ms ({facts})")
                project = folder / f"{name}-{kind}.strata"
                shot = shots / f"{name}-{kind}.png" if shots else None
                if shots:
                    shots.mkdir(parents=True, exist_ok=True)
                try:
                    save_project(doc, project)
                except (ProjectError, OSError) as exc:
                    seconds, zoom = show_time(window, doc, shot)
                    print(line + f"; the project cannot be saved ({exc}); showing the imported document "
                                 f"(no file read) {seconds:.2f} s (zoom {zoom * 100:.0f}%)")
                    continue
                times, zoom = [], 0.0
                for _ in range(3):
                    seconds, zoom = open_time(window, project, shot)
                    times.append(seconds)
                print(line + f"; open {statistics.median(times):.2f} s (median of 3, zoom {zoom * 100:.0f}%)")
        window.editor.undo_stack.setClean()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
