"""Metrics by name or instance, as `compile(metrics=[...])` takes them."""

from __future__ import annotations

from engine.metrics.base import Metric
from engine.metrics.reduction import Mean, MeanMetricWrapper, Sum
from engine.metrics.accuracy import (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
)
from engine.metrics.auc import AUC
from engine.metrics.confusion import Precision, Recall
from engine.metrics.regression import (
    MeanAbsoluteError, MeanSquaredError, mean_absolute_error, mean_squared_error,
)

ALIASES = {
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy, "mean": Mean, "sum": Sum,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "precision": Precision, "recall": Recall, "auc": AUC,
}


def register(name: str, cls) -> None:
    """Make a metric class available by `name` (and its class name) in `get`."""
    ALIASES[name] = cls
    ALIASES[cls.__name__] = cls


for _cls in list(set(ALIASES.values())):
    ALIASES.setdefault(_cls.__name__, _cls)


def get(identifier):
    """A Metric from a name, config dict, instance, class or function."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        cls = ALIASES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown metric: {identifier.get('class_name')!r}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in ALIASES:
            raise ValueError(f"Unknown metric: {identifier!r}. Known: {', '.join(sorted(ALIASES))}")
        metric = ALIASES[identifier]()
        if identifier.islower() and identifier not in ("acc",):
            metric.name = identifier  # as Keras: compile(metrics=["mae"]) logs "mae"
        return metric
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise ValueError(f"Unknown metric: {identifier!r}")


def serialize(metric):
    return {"module": "keras.metrics", "class_name": type(metric).__name__, "config": metric.get_config(),
            "registered_name": None}
