"""Data for training (no Qt): generated sets, bundled digits, CSV / numpy import, checks.

`load_dataset({"dataset": "spiral", "params": {"samples": 300}})` returns a `Dataset`;
`fit_arrays(dataset, model)` checks it against the model's Inputs and returns (x, y) for fit.
"""

from app.data.dataset import DataError, Dataset
from app.data.registry import BUILTIN, DATASETS, dataset_params, load_dataset
from app.data.checks import check_finite, fit_arrays
from app.data.importers import csv_preview, load_arrays, load_csv

__all__ = ["DataError", "Dataset", "BUILTIN", "DATASETS", "dataset_params", "load_dataset", "check_finite",
           "fit_arrays", "csv_preview", "load_arrays", "load_csv"]
