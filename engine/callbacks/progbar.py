"""The Keras progress bar: `1/1 [==============================] - 0s 1ms/step - loss: 0.2453`."""

from __future__ import annotations

import sys
import time

from engine.callbacks.callback import Callback


def format_value(value) -> str:
    """Keras' number format: 4 decimals, scientific notation below 1e-3."""
    value = float(value)
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.4e}"
    if value == 0:
        return "0.0000e+00"
    return f"{value:.4f}"


def format_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


class Progbar:
    """A one-line progress bar redrawn in place (or printed once at the end when not a tty)."""

    def __init__(self, target, width=30, stream=None, interactive=None):
        self.target = target
        self.width = width
        self.stream = stream or sys.stdout
        self.interactive = interactive if interactive is not None else getattr(self.stream, "isatty", lambda: False)()
        self.start = time.perf_counter()

    def bar(self, current) -> str:
        target = self.target or current
        digits = len(str(target))
        done = int(self.width * current / max(target, 1))
        if current >= target:
            fill = "=" * self.width
        else:
            fill = "=" * max(done - 1, 0) + (">" if done > 0 else "") + "." * (self.width - done)
            fill = fill[: self.width].ljust(self.width, ".")
        return f"{current:>{digits}}/{target} [{fill}]"

    def line(self, current, logs) -> str:
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(current, 1)
        text = f"{self.bar(current)} - {elapsed:.0f}s {format_time(per_step)}/step"
        for key, value in logs.items():
            text += f" - {key}: {format_value(value)}"
        return text

    def update(self, current, logs, finalize=False):
        if self.interactive:
            self.stream.write("\r" + self.line(current, logs) + ("\n" if finalize else ""))
            self.stream.flush()
        elif finalize:
            self.stream.write(self.line(current, logs) + "\n")
            self.stream.flush()


class ProgbarLogger(Callback):
    """Prints the progress bar during fit (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, verbose=1):
        super().__init__()
        self.verbose = verbose
        self.progbar = None

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        if epochs > 1 and self.verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        self.progbar = Progbar(self.params.get("steps"))

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose == 1 and self.progbar is not None:
            self.progbar.update(batch + 1, _scalar_logs(logs))

    def on_epoch_end(self, epoch, logs=None):
        if self.progbar is not None:
            steps = self.params.get("steps") or 0
            self.progbar.target = self.progbar.target or steps
            self.progbar.update(self.progbar.target or 1, _scalar_logs(logs), finalize=True)


def _scalar_logs(logs):
    return {k: v for k, v in (logs or {}).items() if isinstance(v, (int, float))}
