"""Import user data: CSV (feature and label columns, with a preview) and .npy / .npz files.

Every error names the file and the row or column at fault, and nothing is returned
half-loaded: a bad file raises `DataError` and the caller keeps its current data.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from app.data.dataset import DataError, Dataset

MAX_CSV_BYTES = 512 * 1024 * 1024


def _read_rows(path: Path, delimiter=None):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    rows = [row for row in csv.reader(text.splitlines(), delimiter=delimiter)]
    return [r for r in rows if any(cell.strip() for cell in r)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def csv_preview(path, rows=10, delimiter=None) -> dict:
    """Header (column names), the first `rows` data rows as strings and the row count."""
    path = Path(path)
    all_rows = _read_rows(path, delimiter)
    if not all_rows:
        raise DataError(f"{path}: the file is empty")
    first = all_rows[0]
    has_header = not all(_is_number(c) for c in first)
    header = [c.strip() or f"column {i}" for i, c in enumerate(first)] if has_header else [
        f"column {i}" for i in range(len(first))]
    body = all_rows[1:] if has_header else all_rows
    return {"columns": header, "rows": body[:rows], "row_count": len(body), "has_header": has_header}


def _column_index(path, header, column):
    if isinstance(column, (int, np.integer)):
        if not 0 <= column < len(header):
            raise DataError(f"{path}: column {column} does not exist; the file has {len(header)} columns")
        return int(column)
    if column not in header:
        raise DataError(f"{path}: no column named {column!r}; columns are {header}")
    return header.index(column)


def load_csv(path, features=None, label=None, task="classification", delimiter=None, name=None) -> Dataset:
    """Read a CSV into a Dataset.

    `features`: column names or indices (default: every column except the label).
    `label`: the label column (name or index), or None for no labels. For classification,
    labels that are not integers are mapped to class indices in sorted order.
    """
    path = Path(path)
    preview = csv_preview(path, 0, delimiter)
    header = preview["columns"]
    all_rows = _read_rows(path, delimiter)
    body = all_rows[1:] if preview["has_header"] else all_rows
    first_line = 2 if preview["has_header"] else 1
    if not body:
        raise DataError(f"{path}: no data rows")
    label_index = None if label is None else _column_index(path, header, label)
    if features is None:
        feature_index = [i for i in range(len(header)) if i != label_index]
    else:
        feature_index = [_column_index(path, header, c) for c in features]
    if not feature_index:
        raise DataError(f"{path}: no feature columns were chosen")
    if label_index is not None and label_index in feature_index:
        raise DataError(f"{path}: column {header[label_index]!r} is both a feature and the label")
    x = np.empty((len(body), len(feature_index)), dtype="float64")
    raw_labels = []
    for r, row in enumerate(body):
        line = first_line + r
        if len(row) != len(header):
            raise DataError(f"{path}: row {line} has {len(row)} cells, expected {len(header)} (ragged rows)")
        for j, c in enumerate(feature_index):
            cell = row[c].strip()
            try:
                value = float(cell)
            except ValueError:
                raise DataError(f"{path}: row {line}, column {header[c]!r}: {cell!r} is not a number") from None
            if not np.isfinite(value):
                raise DataError(f"{path}: row {line}, column {header[c]!r}: {cell!r} is not finite (NaN or infinity)")
            x[r, j] = value
        if label_index is not None:
            raw_labels.append(row[label_index].strip())
    y, class_names = None, []
    if label_index is not None:
        y, class_names = _labels(path, header[label_index], raw_labels, first_line, task)
    return Dataset(name or path.stem, x.astype("float32"), y, "points2d" if x.shape[1] == 2 and task == "classification"
                   else "table", class_names, task, str(path))


def _labels(path, column, raw, first_line, task):
    if task == "regression":
        values = []
        for i, cell in enumerate(raw):
            try:
                v = float(cell)
            except ValueError:
                raise DataError(f"{path}: row {first_line + i}, label column {column!r}: {cell!r} is not a number") from None
            if not np.isfinite(v):
                raise DataError(f"{path}: row {first_line + i}, label column {column!r}: {cell!r} is not finite")
            values.append(v)
        return np.asarray(values, dtype="float32").reshape(-1, 1), []
    if all(_is_integer(c) for c in raw):
        ints = np.asarray([int(float(c)) for c in raw], dtype="int64")
        bad = np.nonzero(ints < 0)[0]
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{path}: row {first_line + i}, label column {column!r}: class {raw[i]!r} is negative")
        return ints, [str(c) for c in range(int(ints.max()) + 1)]
    for i, cell in enumerate(raw):
        if cell == "":
            raise DataError(f"{path}: row {first_line + i}, label column {column!r} is empty")
    names = sorted(set(raw))
    lookup = {n: k for k, n in enumerate(names)}
    return np.asarray([lookup[c] for c in raw], dtype="int64"), names


def _is_integer(cell: str) -> bool:
    try:
        v = float(cell)
    except ValueError:
        return False
    return np.isfinite(v) and v == int(v)


def load_arrays(path, x_key=None, y_key=None, name=None, task="classification", kind=None) -> Dataset:
    """Load a .npy (features only) or .npz (keys `x_key`/`y_key`, default x/y) without pickles.

    A .npz with several feature arrays can map them to Inputs by name: pass `x_key` as a list
    of keys, and x becomes a dict keyed by those names.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{path}: cannot be read without pickles (object arrays are refused): {exc}") from None
    except OSError as exc:
        raise DataError(f"{path}: not a numpy file ({exc})") from None
    if isinstance(loaded, np.ndarray):
        x, y = loaded, None
        _check_array(path, "array", x)
    else:
        with loaded:
            keys = list(loaded.files)
            x_keys = x_key if isinstance(x_key, (list, tuple)) else [x_key or ("x" if "x" in keys else None)]
            if x_keys == [None]:
                raise DataError(f"{path}: no array named 'x'; the file holds {keys}. Choose the feature key.")
            for k in x_keys:
                if k not in keys:
                    raise DataError(f"{path}: no array named {k!r}; the file holds {keys}")
            arrays = {k: loaded[k] for k in x_keys}
            y_name = y_key or ("y" if "y" in keys else None)
            if y_key is not None and y_key not in keys:
                raise DataError(f"{path}: no array named {y_key!r}; the file holds {keys}")
            y = loaded[y_name] if y_name else None
        for k, a in arrays.items():
            _check_array(path, k, a)
        x = arrays if isinstance(x_key, (list, tuple)) else arrays[x_keys[0]]
    if y is not None:
        _check_array(path, y_key or "y", y)
    sizes = {k: a.shape[0] for k, a in (x.items() if isinstance(x, dict) else [("x", x)])}
    if y is not None:
        sizes["y"] = y.shape[0]
    if len(set(sizes.values())) > 1:
        raise DataError(f"{path}: arrays have different numbers of samples: {sizes}")
    class_names = []
    if y is not None and task == "classification":
        if not np.issubdtype(y.dtype, np.integer) and not np.all(y == np.round(y)):
            raise DataError(f"{path}: labels must be integer class indices for classification; received dtype {y.dtype}")
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            y = y.astype("int64")
            if y.min() < 0:
                raise DataError(f"{path}: label {int(y.min())} at row {int(np.argmin(y))} is negative")
            class_names = [str(i) for i in range(int(y.max()) + 1)]
    if kind is None:
        first = next(iter(x.values())) if isinstance(x, dict) else x
        kind = "image" if first.ndim in (3, 4) else "points2d" if first.ndim == 2 and first.shape[1] == 2 else "table"
    cast = (lambda a: a.astype("float32"))
    x = {k: cast(a) for k, a in x.items()} if isinstance(x, dict) else cast(x)
    return Dataset(name or path.stem, x, y, kind, class_names, task, str(path))


def _check_array(path, key, array):
    if array.dtype.kind not in "biuf":
        raise DataError(f"{path}: array {key!r} has non-numeric dtype {array.dtype}")
    if array.ndim == 0:
        raise DataError(f"{path}: array {key!r} is a scalar; expected one row per sample")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise DataError(f"{path}: array {key!r} holds NaN or infinity at index {tuple(int(i) for i in bad)}")
