"""`Dataset`: arrays ready for training plus what the GUI needs to show them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class DataError(ValueError):
    """Bad data: the message names the file, row, column or input, and the value received."""


@dataclass
class Dataset:
    """Features `x` (one array, or a dict keyed by Input name), labels `y` and a description.

    `kind` tells views how to draw samples: "points2d" (scatter and decision boundary),
    "image" (x is (n, h, w) or (n, h, w, c)), "sequence" or "table".
    """

    name: str
    x: object
    y: np.ndarray | None
    kind: str = "table"
    class_names: list[str] = field(default_factory=list)
    task: str = "classification"  # or "regression"
    source: str = ""

    def __len__(self) -> int:
        return int(self.y.shape[0]) if self.y is not None else int(_first(self.x).shape[0])

    @property
    def num_classes(self) -> int:
        """Number of classes for classification (0 for regression)."""
        if self.task != "classification" or self.y is None:
            return 0
        if self.class_names:
            return len(self.class_names)
        return int(self.y.max()) + 1 if self.y.size else 0

    def take(self, index) -> "Dataset":
        """A new Dataset holding rows `index`."""
        x = {k: v[index] for k, v in self.x.items()} if isinstance(self.x, dict) else self.x[index]
        y = None if self.y is None else self.y[index]
        return Dataset(self.name, x, y, self.kind, list(self.class_names), self.task, self.source)

    def split(self, validation_fraction: float, seed: int = 0) -> tuple["Dataset", "Dataset | None"]:
        """Shuffle with `seed` and hold out `validation_fraction` of the rows for validation."""
        if not 0 <= validation_fraction < 1:
            raise DataError(f"validation fraction must be in [0, 1); received {validation_fraction!r}")
        n = len(self)
        order = np.random.default_rng(seed).permutation(n)
        n_val = int(round(n * validation_fraction))
        if validation_fraction and (n_val == 0 or n_val == n):
            raise DataError(f"data set {self.name!r}: validation fraction {validation_fraction} of {n} samples "
                            f"leaves one side empty")
        if n_val == 0:
            return self.take(order), None
        return self.take(order[n_val:]), self.take(order[:n_val])


def _first(x):
    return next(iter(x.values())) if isinstance(x, dict) else x
