"""Fit a Dataset to a model: NaN checks, Input shapes, several inputs by name, label range."""

from __future__ import annotations

import numpy as np

from app.data.dataset import DataError, Dataset

TARGET_INPUT_NAMES = ("targets", "target", "labels", "y")


def _input_specs(model) -> list[tuple[str, tuple]]:
    """(name, shape) of each Input node, or [] when the model has none (subclassed, unbuilt)."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return []
    if not inputs:
        return []
    return [(t.name, tuple(t.shape)) for t in inputs]


def _output_units(model):
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    if not outputs or len(outputs) != 1:
        return None
    shape = tuple(outputs[0].shape)
    return shape[-1] if len(shape) >= 2 else None


def check_finite(dataset: Dataset) -> None:
    """Raise DataError naming the array, row and column of the first NaN or infinity."""
    arrays = dict(dataset.x) if isinstance(dataset.x, dict) else {"features": dataset.x}
    if dataset.y is not None:
        arrays["labels"] = dataset.y
    for key, array in arrays.items():
        array = np.asarray(array)
        if array.dtype.kind not in "biuf":
            raise DataError(f"data set {dataset.name!r}: {key} have non-numeric dtype {array.dtype}")
        if array.dtype.kind == "f":
            bad = ~np.isfinite(array)
            if bad.any():
                where = np.argwhere(bad)[0]
                col = f", column {int(where[1])}" if len(where) > 1 else ""
                value = array[tuple(where)]
                raise DataError(f"data set {dataset.name!r} ({dataset.source or 'in memory'}): {key} hold {value} "
                                f"at row {int(where[0])}{col}; remove or fill such values before training")


def _shape_fits(expected, actual) -> bool:
    if len(expected) != len(actual):
        return False
    return all(e is None or e == a for e, a in zip(expected[1:], actual[1:]))


def _one_hot(y, units):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == units:
        return y.astype("float32")
    flat = y.reshape(len(y)).astype("int64")
    out = np.zeros((len(flat), units), dtype="float32")
    out[np.arange(len(flat)), flat] = 1.0
    return out


def fit_arrays(dataset: Dataset, model) -> tuple[object, object]:
    """(x, y) ready for `model.fit`, checked against the model's Input nodes.

    A dict x maps arrays to Inputs by name (the guide's `{"inputs": ..., "targets": ...}`).
    A single array for a model with a second Input named like "targets" (an endpoint layer
    computing its loss with add_loss) feeds the labels to that Input, one-hot when its width
    asks for it, and fit gets no y.
    """
    check_finite(dataset)
    specs = _input_specs(model)
    x, y = dataset.x, dataset.y
    if not specs:
        return x, y
    names = [n for n, _ in specs]
    if isinstance(x, dict):
        missing = [n for n in names if n not in x]
        if missing:
            raise DataError(f"data set {dataset.name!r} has no array for input(s) {missing}; "
                            f"it holds {sorted(x)} and the model's inputs are {names}")
        feed = {n: x[n] for n in names}
    elif len(specs) == 1:
        feed = {names[0]: x}
    elif len(specs) == 2 and any(n in TARGET_INPUT_NAMES for n in names) and y is not None:
        target = next(n for n in names if n in TARGET_INPUT_NAMES)
        other = next(n for n in names if n != target)
        target_shape = dict(specs)[target]
        y_feed = y
        if len(target_shape) == 2 and target_shape[1] not in (None, 1) and np.asarray(y).ndim == 1:
            _check_label_range(dataset, target_shape[1], f"input {target!r}")
            y_feed = _one_hot(y, target_shape[1])
        elif np.asarray(y).ndim == 1:
            y_feed = np.asarray(y, dtype="float32").reshape(-1, 1)
        feed, y = {other: x, target: y_feed}, None
    else:
        raise DataError(f"the model has {len(specs)} inputs {names} but data set {dataset.name!r} has one array; "
                        f"give a dict keyed by input name")
    for name, shape in specs:
        arr = np.asarray(feed[name])
        if not _shape_fits(shape, arr.shape):
            want = "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"
            raise DataError(f"data set {dataset.name!r} does not fit input {name!r}: the input expects shape {want}, "
                            f"the data has shape {tuple(arr.shape)}")
    if y is not None and dataset.task == "classification":
        units = _output_units(model)
        if units is not None and units > 1 and np.asarray(y).ndim == 1:
            _check_label_range(dataset, units, "the model's output")
    x_out = feed[names[0]] if len(specs) == 1 and not isinstance(dataset.x, dict) else feed
    return x_out, y


def _check_label_range(dataset, units, what):
    y = np.asarray(dataset.y).reshape(len(dataset.y))
    bad = np.nonzero((y < 0) | (y >= units))[0]
    if bad.size:
        row = int(bad[0])
        raise DataError(f"data set {dataset.name!r} ({dataset.source or 'in memory'}): label {int(y[row])} at row "
                        f"{row} is out of range for {what}, which has {units} classes (0..{units - 1})")
