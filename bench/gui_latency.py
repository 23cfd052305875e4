"""Worst event-loop delay while the Training panel trains a small model in its worker thread.

Usage: PYTHONPATH=. python bench/gui_latency.py [--epochs N]

A 5 ms QTimer measures how late each tick fires while a run trains on the 8x8 digits
through the real TrainingPanel (worker thread, live plots updating). Uses a small CNN when
the engine has Conv2D, otherwise a Dense model (printed). Target: worst delay < 50 ms.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from engine import keras
    from app.data import load_dataset
    from app.training.dock import TrainingPanel

    app = QApplication.instance() or QApplication(sys.argv)
    model, description, flat = build_model(keras)
    dataset = load_dataset({"dataset": "digits", "params": {"flatten": flat}})
    panel = TrainingPanel()
    panel.resize(1200, 500)
    panel.show()
    panel.set_model(model)
    panel.set_dataset(dataset)
    panel.epochs.setValue(args.epochs)
    panel.batch_size.setValue(32)

    interval = 0.005
    delays: list[float] = []
    state = {"last": None, "done": False}
    start = time.perf_counter()

    def tick():
        now = time.perf_counter()
        if state["last"] is not None:
            delays.append(max(0.0, now - state["last"] - interval))
            if delays[-1] > 0.05 and os.environ.get("LATENCY_DEBUG"):
                print(f"late by {delays[-1] * 1000:.0f} ms at t={now - start:.2f}s")
        state["last"] = now

    timer = QTimer()
    timer.setInterval(int(interval * 1000))
    timer.timeout.connect(tick)
    panel.runFinished.connect(lambda info: state.update(done=True, info=info))
    timer.start()
    start = time.perf_counter()
    t0 = time.perf_counter()
    started = panel.train()
    if os.environ.get("LATENCY_DEBUG"):
        print(f"train() took {(time.perf_counter() - t0) * 1000:.0f} ms")
    if not started:
        print("could not start:", panel.message.text())
        return 1
    loop = QEventLoop()
    panel.runFinished.connect(lambda _info: loop.quit())
    if not state["done"]:
        loop.exec()
    wall = time.perf_counter() - start
    timer.stop()
    panel.runner.shutdown()
    delays.sort()
    worst = delays[-1] * 1000 if delays else float("nan")
    p99 = delays[int(len(delays) * 0.99)] * 1000 if delays else float("nan")
    print(f"model: {description}")
    print(f"training: {args.epochs} epochs on {len(dataset)} digits in {wall:.1f} s, status {state['info']['status']}, "
          f"final {panel.run.final}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (other processes distort the numbers)")
    print(f"event loop: {len(delays)} ticks, worst delay {worst:.1f} ms, p99 {p99:.1f} ms (target worst < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
