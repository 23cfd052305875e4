"""One training job end to end, without Qt: check data, compile, fit with `LiveCallback`."""

from __future__ import annotations

import numpy as np

from app.data.checks import fit_arrays
from app.data.dataset import Dataset
from app.training.live import LiveCallback, TrainingControl
from app.training.settings import TrainingSettings, compile_model


def prepare(model, dataset: Dataset, settings: TrainingSettings, compile: bool = True):
    """Validate and compile before any weight changes: (train_xy, val_xy). Raises on bad input.

    Errors are DataError (data) or ValueError (settings, compile); the weights are untouched.
    `compile=False` keeps the model's optimizer and its state (continuing a run).
    """
    settings.validate()
    fit_arrays(dataset, model)  # row numbers in messages refer to the data set as loaded
    train, val = dataset.split(settings.validation_fraction, seed=settings.seed)
    train_xy = fit_arrays(train, model)
    val_xy = fit_arrays(val, model) if val is not None else None
    if compile or getattr(model, "optimizer", None) is None:
        compile_model(model, settings, dataset.task)
    return train_xy, val_xy


def run_training(model, dataset: Dataset, settings: TrainingSettings, control: TrainingControl, sink,
                 extra_epoch_hook=None, prepared=None, batch_hook=None, initial_epoch: int = 0,
                 probe=None) -> LiveCallback:
    """Compile and fit `model`; progress goes to `sink`. Returns the callback (nan_info, etc.).

    `batch_hook(model, batches_done)` runs after every batch (it decides itself when to work);
    `initial_epoch` numbers the epochs of a continued run after the earlier ones; `probe`
    (see `probe_hook`) sends the live canvas its summaries.
    """
    from engine import backend
    from engine.random import set_seed

    train_xy, val_xy = prepared if prepared is not None else prepare(model, dataset, settings)
    set_seed(settings.seed)
    x, y = train_xy
    samples = len(next(iter(x.values())) if isinstance(x, dict) else x)
    callback = LiveCallback(control, sink, samples, settings.batch_size, extra_epoch_hook, batch_hook, probe)
    validation = None
    if val_xy is not None:
        vx, vy = val_xy
        validation = (vx, vy) if vy is not None else (vx,)
    with backend.device(settings.device):
        model.fit(x, y, batch_size=settings.batch_size, epochs=initial_epoch + settings.epochs, verbose=0,
                  callbacks=[callback], validation_data=validation, shuffle=True, initial_epoch=initial_epoch)
    return callback


def probe_hook(spec, prepared, sink, control):
    """The live canvas probe for a run (None without a spec): a few fixed training samples."""
    if not spec:
        return None
    from app.training.probe import LiveProbe, ProbeEvery

    (x, y), _ = prepared
    return ProbeEvery(LiveProbe(spec, x, y), sink, control)


def outcome(callback: LiveCallback) -> tuple[str, str]:
    """(status, English message) of a run that returned: finished, stopped or nan."""
    if callback.nan_info is not None:
        return "nan", callback.nan_info["message"]
    if callback.stopped_by_user:
        return "stopped", "Training stopped."
    return "finished", ""


def optimizer_steps(model) -> int | None:
    """How many updates the model's optimizer has made (None without one)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "iterations"):
        return None
    return int(np.asarray(optimizer.iterations.numpy()))


def insight_of(model, dataset: Dataset, settings: TrainingSettings) -> dict:
    """Confusion matrix and worst samples on the validation part (or all data) after a run."""
    from app.plots.insight import confusion_matrix, worst_samples

    _, val = dataset.split(settings.validation_fraction, seed=settings.seed)
    data = val if val is not None else dataset
    result = {"dataset": data}
    try:
        if data.task == "classification":
            result["confusion"] = confusion_matrix(model, data)
        result["worst"] = worst_samples(model, data, 12)
    except Exception as exc:  # e.g. a model whose output is not a class score
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result


class BoundaryEvery:
    """A `batch_hook` that computes a coarse decision-boundary grid every `every` batches."""

    def __init__(self, dataset: Dataset, sink, every: int = 10, resolution: int = 24):
        self.dataset, self.sink, self.every, self.resolution = dataset, sink, max(1, int(every)), resolution

    def __call__(self, model, batches_done: int) -> None:
        if batches_done % self.every == 0:
            self.sink("boundary", decision_grid(model, self.dataset, self.resolution))


def decision_grid(model, dataset: Dataset, resolution: int = 48, margin: float = 0.25):
    """Predicted class probabilities on a grid over 2-D points: (xs, ys, class_index, confidence)."""
    from engine.autodiff.tape import stop_recording

    x = dataset.x
    lo, hi = x.min(0), x.max(0)
    pad = (hi - lo) * margin + 1e-6
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution, dtype="float32")
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution, dtype="float32")
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype("float32")
    with stop_recording():
        out = model(grid, training=False)
    probs = np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype="float64")
    if probs.ndim == 1 or probs.shape[-1] == 1:
        p = probs.reshape(-1)
        if p.min() < 0 or p.max() > 1:
            p = 1 / (1 + np.exp(-np.clip(p, -50, 50)))
        cls = (p > 0.5).astype(int)
        conf = np.abs(p - 0.5) * 2
    else:
        if probs.min() < 0 or not np.allclose(probs.sum(-1), 1, atol=1e-3):
            e = np.exp(probs - probs.max(-1, keepdims=True))
            probs = e / e.sum(-1, keepdims=True)
        cls = probs.argmax(-1)
        conf = probs.max(-1)
    shape = (resolution, resolution)
    return xs, ys, cls.reshape(shape), conf.reshape(shape)
