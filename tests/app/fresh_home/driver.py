"""Drives a real `strata` process for tests/app/fresh_home/test_fresh_home.py.

    python tests/app/fresh_home/driver.py MODE REPORT.json [strata arguments...]

The process runs `app.cli.main(arguments)` exactly as the `strata` command does (production
defaults: QSettings("Strata", "Strata"), the user's folders under $HOME); a timer in the same
event loop plays the user and writes what it sees to REPORT.json (atomically, each time it has
news). Modes:

    edit     rename a node; report once the autosave has written the recovery file
    train    rename a node and ask for 1000 epochs, press Train; report once training runs and
             the recovery file is written
    restart  report whether a "Recover work" question appears; answer Yes, then report the
             document the window shows

The test kills `edit` and `train` with SIGKILL; `restart` leaves by itself after its report.
"""

import json
import os
import sys

MODE, REPORT = sys.argv[1], sys.argv[2]
ARGS = sys.argv[3:]


def report(**record) -> None:
    temporary = REPORT + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    os.replace(temporary, REPORT)


def document_state(window) -> dict:
    document = window.document
    return {"labels": sorted(n.label for n in document.model.nodes.values()),
            "epochs": (document.settings.get("training") or {}).get("epochs"),
            "file_path": str(window.file_path) if window.file_path else None,
            "modified": window.is_modified()}


def main() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    qt_app = QApplication(sys.argv[:1])
    state = {"edited": False, "began": False, "epochs_seen": 0, "offer": None, "reported": False}

    def window():
        for widget in qt_app.topLevelWidgets():
            if widget.objectName() == "StrataMainWindow" and widget.isVisible():
                return widget
        return None

    def edit(win, epochs=None):
        from app.graph.operations import SetLabel, SetSetting

        first_dense = next(n for n in win.document.model.nodes.values() if n.type == "Dense")
        win.editor.execute(SetLabel("model", first_dense.id, "edited_dense"), text="Rename")
        if epochs is not None:
            training = dict(win.document.settings.get("training") or {}, epochs=epochs)
            win.editor.execute(SetSetting("training", training), text="Epochs")
        state["edited"] = True

    def recovery_written(win):
        path = win.recovery_file()
        return str(path) if path is not None and path.exists() else None

    def tick():
        win = window()
        if win is None:
            return
        if getattr(win, "autosave_error", None):
            report(phase="autosave_failed", error=win.autosave_error)
            return
        if MODE == "edit":
            if not state["edited"]:
                edit(win)
            elif recovery_written(win):
                report(phase="edited", recovery=recovery_written(win), pid=os.getpid(), **document_state(win))
        elif MODE == "train":
            dashboard = getattr(win, "dashboard", None)
            if dashboard is None:
                return
            if not state["edited"]:
                runner = dashboard.training.runner
                runner.began.connect(lambda _info: state.update(began=True))
                runner.epochEnded.connect(lambda _info: state.update(epochs_seen=state["epochs_seen"] + 1))
                edit(win, epochs=1000)
                win.train_action.trigger()
            elif state["began"] and state["epochs_seen"] and recovery_written(win):
                runner = dashboard.training.runner
                child = runner.child.process.pid if runner.in_process and runner.child is not None else None
                report(phase="training", recovery=recovery_written(win), pid=os.getpid(), child_pid=child,
                       epochs_seen=state["epochs_seen"], running=bool(runner.running),
                       **document_state(win))
        elif MODE == "restart":
            box = next((w for w in qt_app.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
            if box is not None and state["offer"] is None:
                state["offer"] = {"title": box.windowTitle(), "text": box.text()}
                box.button(QMessageBox.StandardButton.Yes).click()
            elif box is None and getattr(win, "dashboard", None) is not None and not state["reported"]:
                state["reported"] = True
                report(phase="restarted", offered=state["offer"] is not None, offer=state["offer"],
                       status=win.statusBar().currentMessage(), first_menu=win.menuBar().actions()[0].text(),
                       **document_state(win))
                QTimer.singleShot(0, lambda: os._exit(0))

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(50)
    from app.cli import main as strata

    return strata(ARGS)


if __name__ == "__main__":
    sys.exit(main())
