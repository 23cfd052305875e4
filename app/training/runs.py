"""Training runs kept for comparison: settings, graph version, histories, final numbers."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from dataclasses import dataclass, field


@dataclass
class RunRecord:
    """One training run: per-batch (x in epochs, value) and per-epoch values per quantity."""

    name: str
    settings: dict = field(default_factory=dict)
    graph_version: object = None
    dataset: str = ""
    batch_values: dict = field(default_factory=dict)   # quantity -> [(x, value)]
    epoch_values: dict = field(default_factory=dict)   # quantity -> [(epoch, value)]
    final: dict = field(default_factory=dict)
    status: str = "running"   # running, finished, stopped, nan, failed
    visible: bool = True
    started: float = field(default_factory=time.time)

    def add_batch(self, x: float, values: dict) -> None:
        for name, value in values.items():
            self.batch_values.setdefault(name, []).append((float(x), float(value)))

    def add_epoch(self, epoch: int, values: dict) -> None:
        for name, value in values.items():
            self.epoch_values.setdefault(name, []).append((int(epoch) + 1, float(value)))
        self.final = {name: float(v) for name, v in values.items()}

    def quantities(self) -> list[str]:
        """Plot names: training quantities (val_ prefixes folded into their base name)."""
        names = []
        for name in list(self.batch_values) + list(self.epoch_values):
            base = name[4:] if name.startswith("val_") else name
            if base not in names:
                names.append(base)
        return names


class RunStore:
    """The list of runs shown in the plots and the Runs tab."""

    def __init__(self):
        self.runs: list[RunRecord] = []
        self._counter = 0

    def new_run(self, settings: dict, graph_version=None, dataset: str = "") -> RunRecord:
        self._counter += 1
        run = RunRecord(f"run {self._counter}", dict(settings), graph_version, dataset)
        self.runs.append(run)
        return run

    def rename(self, run: RunRecord, name: str) -> None:
        name = name.strip()
        if not name:
            raise ValueError("a run name cannot be empty")
        run.name = name

    def delete(self, run: RunRecord) -> None:
        self.runs.remove(run)

    def to_csv(self, runs=None) -> str:
        """Every number of the runs, long format: run, kind, x, quantity, value."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["run", "kind", "x", "quantity", "value"])
        for run in runs if runs is not None else self.runs:
            for name, points in run.epoch_values.items():
                for x, v in points:
                    writer.writerow([run.name, "epoch", x, name, repr(v)])
            for name, points in run.batch_values.items():
                for x, v in points:
                    writer.writerow([run.name, "batch", f"{x:.6g}", name, repr(v)])
        return out.getvalue()

    def export_csv(self, path, runs=None) -> None:
        """Write `to_csv` atomically."""
        write_text_atomic(path, self.to_csv(runs))


def write_text_atomic(path, text: str) -> None:
    """Write a text file through a temporary file and os.replace."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
