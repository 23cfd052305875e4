"""Training runs kept for comparison: settings, graph version, histories, final numbers."""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
import time
from dataclasses import dataclass, field


MAX_SAVED_BATCH_POINTS = 2000


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

    def to_history(self, max_batch_points: int = MAX_SAVED_BATCH_POINTS) -> dict:
        """A JSON-ready entry for the document's training history (the .strata history.json).

        Top-level lists per quantity with "epoch" (as `strata train` writes them) plus a
        "strata_run" dict with the name, status, settings and the per-batch curves
        (thinned to at most `max_batch_points` points each).
        """
        entry: dict = {}
        epochs = sorted({x for points in self.epoch_values.values() for x, _ in points})
        entry["epoch"] = epochs
        for name, points in self.epoch_values.items():
            by_epoch = dict(points)
            entry[name] = [by_epoch.get(x, math.nan) for x in epochs]
        batch = {}
        for name, points in self.batch_values.items():
            step = max(1, math.ceil(len(points) / max_batch_points))
            kept = points[::step]
            if points and kept[-1] is not points[-1]:
                kept = kept + [points[-1]]
            batch[name] = [[x for x, _ in kept], [v for _, v in kept]]
        entry["strata_run"] = {"name": self.name, "status": self.status, "settings": self.settings,
                               "graph_version": self.graph_version, "dataset": self.dataset,
                               "visible": self.visible, "started": self.started, "batch": batch}
        return entry

    @classmethod
    def from_history(cls, entry, fallback_name: str) -> "RunRecord":
        """A run from a history entry (ours or `strata train`'s); ValueError names what is wrong."""
        if not isinstance(entry, dict):
            raise ValueError(f"{fallback_name}: expected a dict, got {type(entry).__name__}")
        meta = entry.get("strata_run") if isinstance(entry.get("strata_run"), dict) else {}
        run = cls(str(meta.get("name") or fallback_name), dict(meta.get("settings") or {}),
                  meta.get("graph_version"), str(meta.get("dataset") or ""))
        run.status = str(meta.get("status") or "finished")
        run.visible = bool(meta.get("visible", True))
        if isinstance(meta.get("started"), (int, float)):
            run.started = float(meta["started"])
        epochs = entry.get("epoch") or []
        if not isinstance(epochs, list):
            raise ValueError(f"{run.name}: 'epoch' must be a list")
        for name, values in entry.items():
            if name in ("epoch", "strata_run") or not isinstance(values, list):
                continue
            if len(values) != len(epochs):
                raise ValueError(f"{run.name}: {name} has {len(values)} values for {len(epochs)} epochs")
            run.epoch_values[name] = [(int(x), float(v)) for x, v in zip(epochs, values)]
            if values:
                run.final[name] = float(values[-1])
        for name, pair in (meta.get("batch") or {}).items():
            if not (isinstance(pair, list) and len(pair) == 2 and len(pair[0]) == len(pair[1])):
                raise ValueError(f"{run.name}: batch curve {name} is not [[x...], [value...]]")
            run.batch_values[name] = [(float(x), float(v)) for x, v in zip(*pair)]
        return run


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

    def to_history(self) -> list[dict]:
        """Every run that has ended, as entries for the document's training history."""
        return [run.to_history() for run in self.runs if run.status != "running"]

    def load_history(self, history) -> list[str]:
        """Replace the runs with those of a document's history; returns a note per skipped entry."""
        self.runs = []
        skipped = []
        for index, entry in enumerate(history or []):
            try:
                self.runs.append(RunRecord.from_history(entry, f"run {index + 1}"))
            except (ValueError, TypeError) as exc:
                skipped.append(f"history entry {index + 1}: {exc}")
        numbers = [int(r.name[4:]) for r in self.runs if r.name.startswith("run ") and r.name[4:].isdigit()]
        self._counter = max(numbers, default=len(self.runs))
        return skipped

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
