"""`LearningRateScheduler` and `CSVLogger`."""

from __future__ import annotations

import csv
import io
import os
import tempfile

from engine.callbacks.callback import Callback


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at each epoch start to `schedule(epoch, lr)`.

    `schedule` may also take only the epoch. The rate in use is logged as `learning_rate`.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable. Received: {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = float(optimizer.learning_rate)
        try:
            value = self.schedule(epoch, current)
        except TypeError:
            value = self.schedule(epoch)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f'The output of the "schedule" function should be a float. Got: {value!r}') from None
        optimizer.learning_rate = value
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {value}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class CSVLogger(Callback):
    """Write one CSV row per epoch (epoch, then the logged values sorted by name).

    The file is rewritten atomically after each epoch, so a crash never leaves half a row.
    With append=True, rows follow those already in the file (no second header).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self._text = ""

    def on_train_begin(self, logs=None):
        self.keys = None
        self._text = ""
        self._has_header = False
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                self._text = f.read()
            self._has_header = bool(self._text.strip())

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.sep, lineterminator="\n")
        if not self._has_header:
            writer.writerow(["epoch"] + self.keys)
            self._has_header = True
        writer.writerow([epoch] + [_cell(logs.get(k, "NA")) for k in self.keys])
        self._text += buffer.getvalue()
        _write_atomically(self.filename, self._text)


def _cell(value):
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return value


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".csvlog-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
