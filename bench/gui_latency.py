"""Worst event-loop delay while the Training panel trains a small model.

Usage: PYTHONPATH=. python bench/gui_latency.py [--epochs N] [--configs a,b,...]

A 5 ms QTimer measures how late each tick fires while a run trains on the 8x8 digits
through the real TrainingPanel (shown, live plots updating). Uses a small CNN when
the engine has Conv2D, otherwise a Dense model (printed). Target: worst delay < 50 ms.

Each configuration runs in its own subprocess, one after the other in the same invocation,
so they are compared under the same machine load:
  process   the shipped settings: training in a child process
  process0  the child process at normal CPU priority (not niced)
  redraw100 the child process, plots redrawn every 100 ms (shipped: 250 ms)
  thread    training in a QThread of the GUI process (0.5 ms GIL switch interval)
  thread5ms the old behaviour: a QThread, CPython's 5 ms switch interval, redraws every 100 ms
  noplots   thread, and no plot redraws during the run (the floor of sharing the GIL)
The defaults (--configs thread5ms,process) give before and after side by side; the first
run of a configuration includes starting the training process (idle time for the GUI).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def build_model(keras):
    layers = keras.layers
    if hasattr(layers, "Conv2D") and hasattr(layers, "MaxPooling2D") and hasattr(layers, "Flatten"):
        model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(8, 3, activation="relu", padding="same"),
                                  layers.MaxPooling2D(2), layers.Conv2D(16, 3, activation="relu", padding="same"),
                                  layers.Flatten(), layers.Dense(10)])
        return model, "CNN (Conv2D 8 -> MaxPool -> Conv2D 16 -> Dense 10)", False
    model = keras.Sequential([keras.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
    return model, "Dense 64-64-10 (Conv2D is not in this engine yet)", True


CONFIGS = {
    "process": "shipped: training in a child process",
    "process0": "child process at normal priority (nice 0)",
    "redraw100": "child process, plots redrawn every 100 ms instead of 250 ms",
    "thread": "QThread, GIL switch interval 0.5 ms",
    "thread5ms": "before: QThread, GIL switch interval 5 ms, redraw every 100 ms",
    "noplots": "QThread, no plot redraws during the run",
}


def apply_config(name: str) -> None:
    """Set the module knobs a configuration names (in this subprocess only)."""
    from app.training import worker

    if name not in CONFIGS:
        raise SystemExit(f"unknown config {name!r}; known: {', '.join(CONFIGS)}")
    from app.training import dock

    from app.training import process

    if name == "process0":
        process.CHILD_NICENESS = 0
    elif name == "redraw100":
        dock.REDRAW_MS = 100
    elif name != "process":
        worker.TRAIN_IN_PROCESS = False
    if name == "thread5ms":  # everything as before this change
        worker.GUI_SWITCH_INTERVAL_S = None
        dock.REDRAW_MS = 100
    if name == "noplots":
        dock.TrainingPanel._redraw_now = lambda self: None


def measure(config: str, epochs: int) -> dict:
    """Train once through a real TrainingPanel with `config`; the event loop's delays."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from engine import keras
    from app.data import load_dataset
    from app.training.dock import TrainingPanel

    apply_config(config)
    app = QApplication.instance() or QApplication(sys.argv)
    model, description, flat = build_model(keras)
    dataset = load_dataset({"dataset": "digits", "params": {"flatten": flat}})
    panel = TrainingPanel()
    panel.resize(1200, 500)
    panel.show()
    panel.set_model(model)
    panel.set_dataset(dataset)
    panel.epochs.setValue(epochs)
    panel.batch_size.setValue(32)

    interval = 0.005
    delays: list[float] = []
    state = {"last": None, "done": False}

    def tick():
        now = time.perf_counter()
        if state["last"] is not None:
            delays.append(max(0.0, now - state["last"] - interval))
            if delays[-1] > 0.05 and os.environ.get("LATENCY_DEBUG"):
                print(f"late by {delays[-1] * 1000:.0f} ms at t={now - start:.2f}s, "
                      f"batches {panel.runner.batches_done()}", file=sys.stderr)
        state["last"] = now

    timer = QTimer()
    timer.setInterval(int(interval * 1000))
    timer.timeout.connect(tick)
    panel.runFinished.connect(lambda info: state.update(done=True, info=info))
    start = time.perf_counter()
    timer.start()
    if not panel.train():
        raise SystemExit("could not start: " + panel.message.text())
    loop = QEventLoop()
    panel.runFinished.connect(lambda _info: loop.quit())
    if not state["done"]:
        loop.exec()
    wall = time.perf_counter() - start
    timer.stop()
    panel.runner.shutdown()
    delays.sort()
    app.processEvents()
    return {"config": config, "model": description, "wall_s": wall, "status": state["info"]["status"],
            "ticks": len(delays), "worst_ms": delays[-1] * 1000 if delays else float("nan"),
            "p99_ms": delays[int(len(delays) * 0.99)] * 1000 if delays else float("nan"),
            "batches": panel.runner.batches_done(),
            "final_loss": panel.run.final.get("loss")}


def main(argv=None) -> int:
    import json
    import subprocess

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--configs", default="thread5ms,process", help="comma-separated, run in this order")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over all configs (interleaved)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one config, print JSON
    args = parser.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(measure(args.one, args.epochs)))
        return 0
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    for c in configs:
        if c not in CONFIGS:
            raise SystemExit(f"unknown config {c!r}; known: {', '.join(CONFIGS)}")
    results = []
    for _ in range(args.repeat):
        for config in configs:
            proc = subprocess.run([sys.executable, __file__, "--one", config, "--epochs", str(args.epochs)],
                                  capture_output=True, text=True, env=dict(os.environ))
            if os.environ.get("LATENCY_DEBUG"):
                print(proc.stderr)
            line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
            if line is None:
                print(f"{config}: failed\n{proc.stdout}\n{proc.stderr}")
                return 1
            result = json.loads(line[7:])
            results.append(result)
            print(f"{config:10s} worst {result['worst_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                  f"{result['ticks']} ticks  train {result['wall_s']:.1f} s  loss {result['final_loss']:.3f}  "
                  f"({CONFIGS[config]})", flush=True)
    print(f"model: {results[0]['model']}; {args.epochs} epoch(s) of 1797 digits, batch 32")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (other processes distort the numbers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
