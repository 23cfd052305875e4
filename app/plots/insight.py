"""What the network learned, computed without Qt: confusion matrix, worst samples, layer outputs."""

from __future__ import annotations

import numpy as np

from app.data.checks import fit_arrays
from app.data.dataset import DataError, Dataset


def boundary_applies(dataset) -> bool:
    """Whether the decision boundary can be drawn for `dataset`: labelled 2-D points (one input
    with exactly 2 features), the only data whose whole input space fits a plane."""
    return boundary_unavailable_reason(dataset) is None


def boundary_unavailable_reason(dataset) -> tuple[str, tuple] | None:
    """Why no decision boundary is drawn for `dataset`: (reason, values) with reason one of
    "no data", "inputs" (values: name, input count), "features" (name, features per sample) or
    "task" (name); None when it is drawn. The views word and translate the reason."""
    if dataset is None:
        return "no data", ()
    if isinstance(dataset.x, dict):
        return "inputs", (dataset.name, len(dataset.x))
    if dataset.x.ndim != 2 or dataset.x.shape[1] != 2:
        return "features", (dataset.name, " × ".join(str(d) for d in dataset.x.shape[1:]) or "1")
    if dataset.task != "classification" or dataset.y is None or dataset.kind != "points2d":
        return "task", (dataset.name,)
    return None


def _predict(model, dataset: Dataset):
    from engine.autodiff.tape import stop_recording

    x, _ = fit_arrays(dataset, model)
    with stop_recording():
        out = model(x, training=False)
    if isinstance(out, (list, tuple)):
        out = out[0]
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype="float64")


def _class_probabilities(outputs):
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        p = outputs.reshape(-1)
        if p.min() < 0 or p.max() > 1:
            p = 1 / (1 + np.exp(-np.clip(p, -50, 50)))
        return np.stack([1 - p, p], 1)
    if outputs.min() < 0 or not np.allclose(outputs.sum(-1), 1, atol=1e-3):
        e = np.exp(outputs - outputs.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    return outputs


def confusion_matrix(model, dataset: Dataset) -> np.ndarray:
    """counts[true, predicted] over the data set (classification only)."""
    if dataset.task != "classification" or dataset.y is None:
        raise DataError(f"data set {dataset.name!r}: a confusion matrix needs class labels")
    probs = _class_probabilities(_predict(model, dataset))
    k = max(dataset.num_classes, probs.shape[1])
    y = np.asarray(dataset.y).reshape(len(dataset.y)).astype(int)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y, probs.argmax(1)), 1)
    return counts


def worst_samples(model, dataset: Dataset, count: int = 10) -> list[dict]:
    """The `count` samples with the highest loss: index, true, predicted, loss (per-sample).

    Classification uses cross-entropy of the true class; regression uses squared error.
    """
    outputs = _predict(model, dataset)
    if dataset.y is None:
        raise DataError(f"data set {dataset.name!r} has no labels to compare predictions with")
    rows = []
    if dataset.task == "classification":
        probs = _class_probabilities(outputs)
        y = np.asarray(dataset.y).reshape(len(dataset.y)).astype(int)
        losses = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1))
        for i in np.argsort(-losses, kind="stable")[:count]:
            rows.append({"index": int(i), "true": int(y[i]), "predicted": int(probs[i].argmax()),
                         "confidence": float(probs[i].max()), "loss": float(losses[i])})
    else:
        y = np.asarray(dataset.y, dtype="float64").reshape(len(outputs), -1)
        losses = ((outputs.reshape(len(outputs), -1) - y) ** 2).mean(1)
        for i in np.argsort(-losses, kind="stable")[:count]:
            rows.append({"index": int(i), "true": y[i].tolist(), "predicted": outputs[i].reshape(-1).tolist(),
                         "confidence": None, "loss": float(losses[i])})
    return rows


def layer_output(model, layer_name: str, sample) -> np.ndarray:
    """The output of the layer called `layer_name` when `model` runs on one sample.

    `sample` is one input row without the batch axis (or a dict of them keyed by Input name).
    Works for functional, sequential and subclassed models and for layers nested in blocks:
    the layer's calls are recorded while the model runs. Returns the array without batch axis.
    """
    from engine.autodiff.tape import stop_recording

    target = None
    for layer in model._flatten_layers():
        if layer.name == layer_name:
            target = layer
            break
    if target is None:
        names = [layer.name for layer in model._flatten_layers(include_self=False)]
        raise ValueError(f"model {model.name!r} has no layer named {layer_name!r}; its layers are {names}")
    captured = []
    original_class = type(target)

    class Recording(original_class):
        def __call__(self, *args, **kwargs):
            out = super().__call__(*args, **kwargs)
            captured.append(out)
            return out

    Recording.__name__ = original_class.__name__
    Recording.__qualname__ = original_class.__qualname__
    if isinstance(sample, dict):
        batch = {k: np.asarray(v, dtype="float32")[None] for k, v in sample.items()}
    else:
        batch = np.asarray(sample, dtype="float32")[None]
    target.__class__ = Recording
    try:
        with stop_recording():
            model(batch, training=False)
    finally:
        target.__class__ = original_class
    if not captured:
        raise ValueError(f"layer {layer_name!r} was not called when the model ran on the sample")
    out = captured[-1]
    if isinstance(out, (list, tuple)):
        out = out[0]
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out)[0]
