"""Accuracy metrics."""

from __future__ import annotations

import numpy as np

from engine.metrics.reduction import MeanMetricWrapper


def _squeeze_like(y_true, y_pred):
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """1 where prediction equals label exactly."""
    y_true, y_pred = _squeeze_like(y_true, y_pred)
    return (y_true == y_pred).astype("float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    y_true, y_pred = _squeeze_like(np.asarray(y_true), np.asarray(y_pred))
    correct = (y_true.astype("float32") == (y_pred > threshold).astype("float32")).astype("float32")
    return correct.mean(axis=-1) if correct.ndim > 1 else correct


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred)."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype("float32")


def sparse_categorical_accuracy(y_true, y_pred):
    """Integer label == argmax(y_pred)."""
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true.astype("int64") == np.argmax(y_pred, axis=-1)).astype("float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    top = np.argsort(-y_pred, axis=-1)[..., :k]
    return (top == np.argmax(y_true, axis=-1)[..., None]).any(-1).astype("float32")


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (prediction > threshold) matches a 0/1 label."""

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(prediction) matches argmax(one-hot label)."""

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(prediction) matches an integer label."""

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the label is among the k highest predictions."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype, k=k)
