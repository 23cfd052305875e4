"""Small summaries of a layer's output for the live canvas (no Qt, no engine).

Each function turns one output array of a fixed probe batch into a few hundred bytes that
cross the process boundary cheaply: a histogram for feature vectors, a feature-map tile for
images, a sparkline for sequences. `summarize_output` picks the kind from the array's rank.
"""

from __future__ import annotations

import numpy as np

HIST_BINS = 24
TILE_CHANNELS = 4
TILE_SIZE = 16
SPARK_POINTS = 64


def histogram(values, bins: int = HIST_BINS) -> dict:
    """Counts of the finite values in `bins` equal bins over their range.

    Returns {"kind": "hist", "counts": int32[bins], "lo", "hi", "nonfinite"}; a constant (or
    empty) array puts every value in the middle bin of a range of width 1 around it.
    """
    flat = np.asarray(values, dtype="float64").ravel()
    finite = flat[np.isfinite(flat)]
    nonfinite = int(flat.size - finite.size)
    if finite.size == 0:
        return {"kind": "hist", "counts": np.zeros(bins, "int32"), "lo": 0.0, "hi": 0.0, "nonfinite": nonfinite}
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        counts = np.zeros(bins, "int32")
        counts[bins // 2] = finite.size
        return {"kind": "hist", "counts": counts, "lo": lo - 0.5, "hi": lo + 0.5, "nonfinite": nonfinite}
    counts, _ = np.histogram(finite, bins=bins, range=(lo, hi))
    return {"kind": "hist", "counts": counts.astype("int32"), "lo": lo, "hi": hi, "nonfinite": nonfinite}


def _mean_pool(maps: np.ndarray, size: int) -> np.ndarray:
    """Mean-pool (h, w, c) maps to at most (size, size, c); maps this small are kept as they are."""
    h, w = maps.shape[:2]
    rows = np.linspace(0, h, min(h, size) + 1).astype(int)
    cols = np.linspace(0, w, min(w, size) + 1).astype(int)
    sums = np.add.reduceat(np.add.reduceat(maps, rows[:-1], axis=0), cols[:-1], axis=1)
    return sums / np.multiply.outer(np.diff(rows), np.diff(cols))[..., None]


def feature_tile(values, channels: int = TILE_CHANNELS, size: int = TILE_SIZE, channels_last: bool = True) -> dict:
    """The first sample's first `channels` feature maps, each mean-pooled to at most size x size
    and scaled to 0..255 on its own range: {"kind": "tile", "tile": uint8[c, h, w], "lo", "hi"}."""
    array = np.asarray(values, dtype="float64")
    if array.ndim != 4:
        raise ValueError(f"feature_tile expects (batch, height, width, channels), received shape {array.shape}")
    sample = array[0] if channels_last else np.moveaxis(array[0], 0, -1)
    sample = np.where(np.isfinite(sample), sample, 0.0)
    count = min(channels, sample.shape[-1])
    pooled = np.moveaxis(_mean_pool(sample[..., :count], size), -1, 0)  # (count, h, w)
    lo = pooled.min(axis=(1, 2), keepdims=True)
    span = pooled.max(axis=(1, 2), keepdims=True) - lo
    scaled = np.divide(pooled - lo, span, out=np.zeros_like(pooled), where=span > 0)
    tile = np.round(scaled * 255).astype("uint8")
    return {"kind": "tile", "tile": tile, "lo": float(sample.min()), "hi": float(sample.max())}


def sparkline(values, points: int = SPARK_POINTS) -> dict:
    """Mean activation per time step of (batch, time, features), averaged down to at most
    `points` values: {"kind": "spark", "values": float32[<= points], "steps": time steps}."""
    array = np.asarray(values, dtype="float64")
    if array.ndim != 3:
        raise ValueError(f"sparkline expects (batch, time, features), received shape {array.shape}")
    finite = np.where(np.isfinite(array), array, np.nan)
    per_step = np.nan_to_num(np.nanmean(finite, axis=(0, 2))) if array.size else np.zeros(array.shape[1])
    steps = per_step.shape[0]
    if steps > points:
        edges = np.linspace(0, steps, points + 1).astype(int)
        per_step = np.array([per_step[a:b].mean() for a, b in zip(edges[:-1], edges[1:])])
    return {"kind": "spark", "values": per_step.astype("float32"), "steps": int(steps)}


def summarize_output(values, channels_last: bool = True) -> dict:
    """The summary that suits an output: tile for rank 4 (images), sparkline for rank 3
    (sequences), histogram otherwise; each with the mean and standard deviation of the values."""
    array = np.asarray(values)
    if array.dtype.kind not in "fiub":
        raise ValueError(f"cannot summarize an array of dtype {array.dtype}")
    if array.ndim == 4 and array.shape[0] > 0 and min(array.shape[1:]) > 0:
        summary = feature_tile(array, channels_last=channels_last)
    elif array.ndim == 3 and array.shape[0] > 0 and array.shape[1] > 1:
        summary = sparkline(array)
    else:
        summary = histogram(array)
    flat = np.asarray(array, dtype="float64").ravel()
    finite = flat[np.isfinite(flat)]
    summary["mean"] = float(finite.mean()) if finite.size else 0.0
    summary["std"] = float(finite.std()) if finite.size else 0.0
    summary["shape"] = tuple(int(d) for d in array.shape)
    return summary


def gradient_norm(gradient) -> float:
    """The L2 norm of a gradient array (summed over the whole probe batch)."""
    array = np.asarray(gradient, dtype="float64")
    return float(np.sqrt(np.sum(array * array)))
