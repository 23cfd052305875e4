"""Data sets by name: `load_dataset({"dataset": "spiral", "params": {...}})`."""

from __future__ import annotations

import inspect

from app.data import digits as digits_mod
from app.data import importers, synthetic
from app.data.dataset import DataError, Dataset

DATASETS = {
    "spiral": synthetic.spiral,
    "moons": synthetic.moons,
    "circles": synthetic.circles,
    "xor": synthetic.xor,
    "blobs": synthetic.blobs,
    "sine": synthetic.sine,
    "shapes": synthetic.shapes,
    "digits": digits_mod.digits,
    "csv": importers.load_csv,
    "arrays": importers.load_arrays,
}
BUILTIN = ["spiral", "moons", "circles", "xor", "blobs", "sine", "shapes", "digits"]


def dataset_params(name: str) -> dict:
    """Parameter names and defaults of a data set (what the Data panel shows)."""
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; known: {sorted(DATASETS)}")
    sig = inspect.signature(DATASETS[name])
    return {k: (None if p.default is inspect.Parameter.empty else p.default) for k, p in sig.parameters.items()}


def load_dataset(spec: dict) -> Dataset:
    """Resolve `{"dataset": name, "params": {...}}` to a Dataset.

    Names: spiral, moons, circles, xor, blobs, sine, shapes, digits, csv (params: path,
    features, label, task), arrays (params: path, x_key, y_key) for .npy/.npz files.
    """
    if not isinstance(spec, dict) or "dataset" not in spec:
        raise DataError(f'a data spec must be a dict like {{"dataset": "spiral", "params": {{}}}}; received {spec!r}')
    name = spec["dataset"]
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; known: {sorted(DATASETS)}")
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        raise DataError(f"data set {name!r}: params must be a dict; received {params!r}")
    allowed = dataset_params(name)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise DataError(f"data set {name!r} has no parameter(s) {unknown}; its parameters are {sorted(allowed)}")
    if name in ("csv", "arrays") and "path" not in params:
        raise DataError(f"data set {name!r} needs a 'path' parameter")
    return DATASETS[name](**params)
