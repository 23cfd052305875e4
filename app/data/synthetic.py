"""Generated data sets: 2-D classification toys, a sine-wave sequence task and shape images."""

from __future__ import annotations

import numpy as np

from app.data.dataset import DataError, Dataset


def _check(name, samples, noise, classes=None, min_classes=2, max_classes=10):
    if not isinstance(samples, (int, np.integer)) or samples < 2:
        raise DataError(f"{name}: samples must be an integer >= 2; received {samples!r}")
    if samples > 1_000_000:
        raise DataError(f"{name}: samples must be at most 1000000; received {samples!r}")
    if not np.isfinite(noise) or noise < 0:
        raise DataError(f"{name}: noise must be a finite number >= 0; received {noise!r}")
    if classes is not None and (not isinstance(classes, (int, np.integer)) or not min_classes <= classes <= max_classes):
        raise DataError(f"{name}: classes must be an integer in [{min_classes}, {max_classes}]; received {classes!r}")


def _split_counts(samples, classes):
    base = [samples // classes] * classes
    for i in range(samples - sum(base)):
        base[i] += 1
    return base


def _mixed(x, y, salt=0):
    """The same samples in a fixed shuffled order, so a held-out tail holds every class."""
    order = np.random.default_rng(len(y) * 7919 + salt).permutation(len(y))
    return x[order], y[order]


def _points(name, x, y, classes):
    x, y = _mixed(x, y)
    return Dataset(name, x.astype("float32"), y.astype("int64"), "points2d",
                   [f"class {i}" for i in range(classes)], "classification", f"generated:{name}")


def spiral(samples=300, noise=0.2, classes=3, seed=0) -> Dataset:
    """Interleaved spiral arms, one per class (TensorFlow Playground style)."""
    _check("spiral", samples, noise, classes)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c, n in enumerate(_split_counts(samples, classes)):
        r = np.linspace(0.05, 1.0, n)
        t = np.linspace(c * 2 * np.pi / classes, c * 2 * np.pi / classes + 1.75 * np.pi, n) + rng.normal(0, noise, n)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(n, c))
    return _points("spiral", np.concatenate(xs), np.concatenate(ys), classes)


def moons(samples=300, noise=0.1, seed=0) -> Dataset:
    """Two interleaving half circles."""
    _check("moons", samples, noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _split_counts(samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    a = np.stack([np.cos(t0), np.sin(t0)], 1)
    b = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)
    x = np.concatenate([a, b]) + rng.normal(0, noise, (samples, 2))
    return _points("moons", x, np.repeat([0, 1], [n0, n1]), 2)


def circles(samples=300, noise=0.05, factor=0.5, seed=0) -> Dataset:
    """A small circle inside a large one."""
    _check("circles", samples, noise)
    if not 0 < factor < 1:
        raise DataError(f"circles: factor must be in (0, 1); received {factor!r}")
    rng = np.random.default_rng(seed)
    n0, n1 = _split_counts(samples, 2)
    t0, t1 = rng.uniform(0, 2 * np.pi, n0), rng.uniform(0, 2 * np.pi, n1)
    outer = np.stack([np.cos(t0), np.sin(t0)], 1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], 1)
    x = np.concatenate([outer, inner]) + rng.normal(0, noise, (samples, 2))
    return _points("circles", x, np.repeat([0, 1], [n0, n1]), 2)


def xor(samples=300, noise=0.05, seed=0) -> Dataset:
    """Points in [-1, 1]^2 labelled by the sign of x*y (class 1 where the signs differ)."""
    _check("xor", samples, noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (samples, 2))
    y = (x[:, 0] * x[:, 1] < 0).astype("int64")
    return _points("xor", x + rng.normal(0, noise, x.shape), y, 2)


def blobs(samples=300, noise=0.3, classes=3, seed=0) -> Dataset:
    """Gaussian blobs with centres on a circle; `noise` is their standard deviation."""
    _check("blobs", samples, noise, classes)
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = np.stack([np.cos(angles), np.sin(angles)], 1)
    counts = _split_counts(samples, classes)
    y = np.repeat(np.arange(classes), counts)
    x = centres[y] + rng.normal(0, noise, (samples, 2))
    return _points("blobs", x, y, classes)


def sine(samples=300, noise=0.05, timesteps=20, seed=0) -> Dataset:
    """Sequence regression: given `timesteps` values of a noisy sine wave, predict the next one.

    x has shape (samples, timesteps, 1), y has shape (samples, 1).
    """
    _check("sine", samples, noise)
    if not isinstance(timesteps, (int, np.integer)) or timesteps < 2:
        raise DataError(f"sine: timesteps must be an integer >= 2; received {timesteps!r}")
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, (samples, 1))
    freq = rng.uniform(0.1, 0.3, (samples, 1))
    t = np.arange(timesteps + 1)[None, :]
    wave = np.sin(phase + freq * t) + rng.normal(0, noise, (samples, timesteps + 1))
    x = wave[:, :timesteps, None].astype("float32")
    y = wave[:, timesteps:].astype("float32")
    return Dataset("sine", x, y, "sequence", [], "regression", "generated:sine")


SHAPE_NAMES = ["square", "circle", "triangle", "cross"]


def _draw_shape(kind, size, rng):
    yy, xx = np.mgrid[0:size, 0:size].astype("float32")
    half = size / 2
    r = rng.uniform(0.25, 0.4) * size
    cy, cx = half + rng.uniform(-0.12, 0.12, 2) * size
    dy, dx = yy - cy, xx - cx
    if kind == "square":
        return ((np.abs(dx) <= r * 0.8) & (np.abs(dy) <= r * 0.8)).astype("float32")
    if kind == "circle":
        return (dx**2 + dy**2 <= r**2).astype("float32")
    if kind == "triangle":
        top = cy - r
        inside = (yy >= top) & (yy <= cy + r * 0.8) & (np.abs(dx) <= (yy - top) * 0.6)
        return inside.astype("float32")
    width = max(1.0, size / 10)
    return (((np.abs(dx) <= width) | (np.abs(dy) <= width)) & (np.abs(dx) <= r) & (np.abs(dy) <= r)).astype("float32")


def shapes(samples=400, noise=0.1, size=16, seed=0) -> Dataset:
    """Grey images (size x size x 1) of squares, circles, triangles and crosses with noise."""
    _check("shapes", samples, noise)
    if not isinstance(size, (int, np.integer)) or not 8 <= size <= 64:
        raise DataError(f"shapes: size must be an integer in [8, 64]; received {size!r}")
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(SHAPE_NAMES)), _split_counts(samples, len(SHAPE_NAMES)))
    images = np.stack([_draw_shape(SHAPE_NAMES[c], size, rng) for c in y])
    images = np.clip(images + rng.normal(0, noise, images.shape), 0, 1)
    images, y = _mixed(images, y)
    return Dataset("shapes", images[..., None].astype("float32"), y.astype("int64"), "image",
                   list(SHAPE_NAMES), "classification", "generated:shapes")
