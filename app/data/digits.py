"""8x8 handwritten-style digits, rendered by Strata from its own 5x7 pixel font.

scikit-learn's digits set is not used (and not installed). Instead each sample is one of the
glyphs below, shifted, randomly thickened, with pixels dropped and noise added, then scaled
to 0..16 like the classic UCI set. The generated file `resources/data/digits8x8.npz` is
written by `python -m app.data.digits` and is covered by the project's own licence.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from app.data.dataset import DataError, Dataset

GLYPHS = {
    0: ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    1: ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    2: ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    3: ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    4: ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    5: ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    6: ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    7: ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    8: ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    9: ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
}

DATA_FILE = Path(__file__).resolve().parents[2] / "resources" / "data" / "digits8x8.npz"


def render(samples=1797, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Images (samples, 8, 8) with values 0..16 and labels 0..9."""
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % 10
    rng.shuffle(labels)
    images = np.zeros((samples, 8, 8), dtype="float32")
    for i, digit in enumerate(labels):
        glyph = np.array([[c == "1" for c in row] for row in GLYPHS[int(digit)]], dtype="float32")
        canvas = np.zeros((8, 8), dtype="float32")
        top, left = rng.integers(0, 2), rng.integers(0, 4)
        canvas[top:top + 7, left:left + 5] = glyph
        if rng.random() < 0.4:  # a bolder stroke
            canvas = np.maximum(canvas, 0.6 * np.roll(canvas, 1, axis=1))
        canvas *= rng.random(canvas.shape) > 0.08  # broken strokes
        canvas += np.abs(rng.normal(0, 0.12, canvas.shape))
        images[i] = np.clip(np.round(canvas * 16), 0, 16)
    return images, labels.astype("int64")


def write(path: Path = DATA_FILE) -> None:
    """Render the shipped set and save it atomically."""
    images, labels = render()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, images=images.astype("uint8"), labels=labels.astype("uint8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def digits(samples=None, flatten=False) -> Dataset:
    """The shipped 8x8 digits: x (n, 8, 8, 1) in 0..1 (or (n, 64) with `flatten`), y 0..9."""
    if not DATA_FILE.exists():
        raise DataError(f"digits: the data file {DATA_FILE} is missing; run `python -m app.data.digits`")
    with np.load(DATA_FILE, allow_pickle=False) as data:
        images = data["images"].astype("float32") / 16.0
        labels = data["labels"].astype("int64")
    if samples is not None:
        if not isinstance(samples, (int, np.integer)) or not 1 <= samples <= len(labels):
            raise DataError(f"digits: samples must be an integer in [1, {len(labels)}]; received {samples!r}")
        images, labels = images[:samples], labels[:samples]
    x = images.reshape(len(images), 64) if flatten else images[..., None]
    return Dataset("digits", x, labels, "image", [str(d) for d in range(10)], "classification", str(DATA_FILE))


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_FILE)
    print(f"wrote {DATA_FILE}")
