"""`strata --screenshot OUT.png [FILE]`: render the main window to a PNG and exit (offscreen works)."""

from __future__ import annotations

import sys
from pathlib import Path


def demo_document():
    """A small classifier (Input → Conv2D → pooling → Flatten → Dense → Output) when layers exist."""
    from app.graph import AddNode, Connect, Document, MODEL_ID
    from app.graph.catalogue import node_type

    doc = Document()
    chain = [("Input", {"shape": (28, 28, 1)}),
             ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "padding": "same", "activation": "relu"}),
             ("MaxPooling2D", {}), ("Flatten", {}), ("Dense", {"units": 128, "activation": "relu"}),
             ("Dropout", {"rate": 0.2}), ("Dense", {"units": 10, "activation": "softmax"}), ("Output", {})]
    chain = [(t, p) for t, p in chain if node_type(t) is not None]
    if not any(t == "Conv2D" for t, _ in chain):
        chain = [("Input", {"shape": (784,)}), ("Dense", {"units": 128, "activation": "relu"}),
                 ("Dense", {"units": 10, "activation": "softmax"}), ("Output", {})]
    previous = None
    for index, (type_name, params) in enumerate(chain):
        position = (index * 280.0, (index % 2) * 40.0)
        node_id = doc.apply(AddNode(MODEL_ID, type_name, params, position=position)).node_id
        if previous is not None:
            src_port = doc.output_ports(MODEL_ID, previous)[0].name
            dst_port = doc.input_ports(MODEL_ID, node_id)[0].name
            doc.apply(Connect(MODEL_ID, (previous, src_port), (node_id, dst_port)))
        previous = node_id
    return doc


def render(out_path: str, project: str | None = None, theme: str = "dark", size=(1500, 900),
           language: str = "en", presentation: bool = False, select: str | None = None,
           tab: str | None = None) -> Path:
    """Build the main window (on `project` or the demo), render it to `out_path`.

    `select` picks a node by label to show in the Inspector; `tab` brings a bottom tab to the
    front (its English key: "Training", "Summary", ...).
    """
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from app.i18n import install_translator
    from app.launch import create_window
    from app.panels import files
    from app.panels.theme import apply_theme

    document = files.load_document(project) if project else None  # a bad file fails before any window
    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = QSettings(str(Path(out_path).with_suffix(".ini")), QSettings.Format.IniFormat)
    settings.clear()
    install_translator(app, language)
    apply_theme(app, theme, presentation)
    document = document if document is not None else demo_document()
    window = create_window(settings, document=document)  # as the app shows it: dashboard attached
    window.theme = theme
    window.presentation = presentation
    window._apply_appearance()
    window.resize(*size)
    window.show()
    window.set_document(document, Path(project) if project else None)
    for _ in range(5):
        app.processEvents()
    window.view.fit_readable()
    if tab:
        dock = window.bottom_docks[tab]
        dock.raise_()
        # the bottom docks start short (the canvas keeps its room): give the shown tab enough
        # height to read it, as a user would drag it
        window.resizeDocks([dock], [int(size[1] * 0.42)], Qt.Orientation.Vertical)
        app.processEvents()
    if select:
        for node_id, node in window.document.model.nodes.items():
            if select.lower() in node.label.lower():
                window._select_only(node_id)
                break
    app.processEvents()
    image = window.grab()
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise OSError(f"could not write screenshot to {out}")
    window.editor.undo_stack.setClean()
    window.dashboard.shutdown()
    window.close()
    window.deleteLater()  # now, while Qt runs: the plots' pyqtgraph menus must not outlive it at exit
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    install_translator(app, "en")
    Path(settings.fileName()).unlink(missing_ok=True)
    return out


def main(argv: list[str]) -> int:
    """argv: OUT.png [FILE] [--light] [--presentation] [--lang=zh_CN] [--select=LABEL]."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a screenshot needs no display
    args = [a for a in argv if not a.startswith("--")]
    theme = "light" if "--light" in argv else "dark"
    options = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    if not args:
        print("usage: strata --screenshot OUT.png [FILE] [--light] [--presentation] [--lang=zh_CN] [--select=LABEL]",
              file=sys.stderr)
        return 2
    try:
        out = render(args[0], args[1] if len(args) > 1 else None, theme, language=options.get("lang", "en"),
                     presentation="--presentation" in argv, select=options.get("select"))
    except (OSError, ValueError) as error:
        print(f"strata: screenshot failed: {error}", file=sys.stderr)
        return 1
    print(out)
    return 0
