"""Losses with Keras 3 names, defaults and reductions (differentiable, built on ops)."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor, convert

_EPSILON = 1e-7


class Loss:
    """Callable `(y_true, y_pred, sample_weight=None) -> scalar` with a reduction.

    Reductions: "sum_over_batch_size" (default: sum of weighted per-sample losses divided
    by the number of elements), "sum", "mean" (weighted mean), or None (per sample).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        from engine.layers.naming import snake_case

        if reduction not in ("sum_over_batch_size", "sum", "mean", "none", None, "mean_with_sample_weight"):
            raise ValueError(f"{type(self).__name__}: invalid reduction. Received: reduction={reduction!r}")
        self.name = name or snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true, y_pred):
        """Per-sample losses."""
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = convert(y_pred)
        if not y_pred.dtype.startswith("float"):
            y_pred = ops.cast(y_pred, "float32")
        y_true = convert(y_true)
        values = self.call(y_true, y_pred)
        return reduce_weighted(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def reduce_weighted(values, sample_weight, reduction):
    """Apply sample weights, then the reduction."""
    if sample_weight is not None:
        weight = convert(sample_weight, dtype=values.dtype)
        while weight.ndim > values.ndim and weight.shape[-1] == 1:
            weight = ops.squeeze(weight, -1)
        while weight.ndim < values.ndim:
            weight = ops.expand_dims(weight, -1)
        values = ops.multiply(values, weight)
    if reduction in ("none", None):
        return values
    total = ops.reduce_sum(values)
    if reduction == "sum":
        return total
    if reduction in ("mean", "mean_with_sample_weight") and sample_weight is not None:
        denom = max(float(np.sum(np.broadcast_to(np.asarray(weight.data), values.shape))), _EPSILON)
        return ops.divide(total, ops.convert(np.asarray(denom, values.dtype)))
    count = max(int(np.prod(values.shape)), 1)
    return ops.divide(total, ops.convert(np.asarray(count, dtype=values.dtype)))


def _match(y_true, y_pred):
    y_true = ops.cast(y_true, y_pred.dtype) if y_true.dtype != y_pred.dtype else y_true
    if y_true.ndim == y_pred.ndim - 1:
        y_true = ops.expand_dims(y_true, -1)
    return y_true


def mean_squared_error(y_true, y_pred):
    y_true = _match(convert(y_true), convert(y_pred))
    return ops.reduce_mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true = _match(convert(y_true), convert(y_pred))
    return ops.reduce_mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    y_true = _match(convert(y_true), convert(y_pred))
    err = ops.abs(ops.subtract(y_pred, y_true))
    quad = ops.minimum(err, delta)
    lin = ops.subtract(err, quad)
    return ops.reduce_mean(ops.add(ops.multiply(0.5, ops.square(quad)), ops.multiply(delta, lin)), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = convert(y_pred)
    y_true = _match(convert(y_true), y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        per = ops.sigmoid_cross_entropy_with_logits(y_true, y_pred)
    else:
        p = ops.clip(y_pred, _EPSILON, 1.0 - _EPSILON)
        per = ops.negative(ops.add(ops.multiply(y_true, ops.log(p)),
                                   ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, p)))))
    return ops.reduce_mean(per, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = convert(y_pred)
    y_true = convert(y_true)
    if y_true.shape[-1:] != y_pred.shape[-1:] or y_true.ndim != y_pred.ndim:
        raise ValueError(
            "CategoricalCrossentropy expects one-hot labels with the shape of the predictions. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. "
            "For integer labels use SparseCategoricalCrossentropy."
        )
    y_true = ops.cast(y_true, y_pred.dtype)
    if label_smoothing:
        n = y_pred.shape[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    if from_logits:
        return ops.softmax_cross_entropy_with_logits(y_true, y_pred, axis=axis)
    p = ops.divide(y_pred, ops.reduce_sum(y_pred, axis=axis, keepdims=True))
    p = ops.clip(p, _EPSILON, 1.0 - _EPSILON)
    return ops.negative(ops.reduce_sum(ops.multiply(y_true, ops.log(p)), axis=axis))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    y_pred = convert(y_pred)
    labels = np.asarray(convert(y_true).numpy())
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError("SparseCategoricalCrossentropy expects integer class labels; received non-integer values.")
    labels = labels.astype(np.int64)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    logits = y_pred if from_logits else ops.log(ops.clip(
        ops.divide(y_pred, ops.reduce_sum(y_pred, axis=-1, keepdims=True)), _EPSILON, 1.0 - _EPSILON))
    per = ops.sparse_softmax_cross_entropy_with_logits(Tensor(labels), logits)
    if valid is not None:
        per = ops.multiply(per, Tensor(valid.astype(per.dtype)))
    return per


class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function and its keyword arguments."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared differences over the last axis."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name, reduction, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute differences over the last axis."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, reduction, dtype)


class Huber(LossFunctionWrapper):
    """Quadratic for errors below `delta`, linear above."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name, reduction, dtype, delta=delta)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy for 0/1 labels (probabilities, or logits with from_logits=True)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name, reduction, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name, reduction, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name, reduction, dtype, from_logits=from_logits,
                         ignore_class=ignore_class)
        self.from_logits = from_logits


from engine.losses.extra import (  # noqa: E402
    categorical_hinge, cosine_similarity, hinge, kl_divergence, log_cosh, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, poisson, squared_hinge,
)


def _simple_loss(fn, class_name, default_name, doc):
    """A LossFunctionWrapper subclass for a per-sample function without options."""

    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        LossFunctionWrapper.__init__(self, fn, name, reduction, dtype)

    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


KLDivergence = _simple_loss(kl_divergence, "KLDivergence", "kl_divergence", "Kullback-Leibler divergence.")
Poisson = _simple_loss(poisson, "Poisson", "poisson", "Poisson negative log-likelihood (up to a constant).")
LogCosh = _simple_loss(log_cosh, "LogCosh", "log_cosh", "Logarithm of the hyperbolic cosine of the error.")
Hinge = _simple_loss(hinge, "Hinge", "hinge", "Hinge loss for -1/1 (or 0/1) labels.")
SquaredHinge = _simple_loss(squared_hinge, "SquaredHinge", "squared_hinge", "Squared hinge loss.")
CategoricalHinge = _simple_loss(categorical_hinge, "CategoricalHinge", "categorical_hinge",
                                "Hinge loss for one-hot labels.")
MeanSquaredLogarithmicError = _simple_loss(mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
                                           "mean_squared_logarithmic_error", "Squared error of log(1 + values).")
MeanAbsolutePercentageError = _simple_loss(mean_absolute_percentage_error, "MeanAbsolutePercentageError",
                                           "mean_absolute_percentage_error", "Absolute error in percent of y_true.")


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions along `axis`."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name, reduction, dtype, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

ALIASES = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError, "MeanSquaredError": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError, "MeanAbsoluteError": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber, "Huber": Huber,
    "binary_crossentropy": BinaryCrossentropy, "BinaryCrossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy, "CategoricalCrossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
}
for _cls, _names in ((KLDivergence, ("kl_divergence", "kld", "KLD")), (Poisson, ("poisson",)),
                     (LogCosh, ("log_cosh", "logcosh")), (Hinge, ("hinge",)), (SquaredHinge, ("squared_hinge",)),
                     (CategoricalHinge, ("categorical_hinge",)), (CosineSimilarity, ("cosine_similarity",)),
                     (MeanSquaredLogarithmicError, ("mean_squared_logarithmic_error", "msle", "MSLE")),
                     (MeanAbsolutePercentageError, ("mean_absolute_percentage_error", "mape", "MAPE"))):
    for _name in _names + (_cls.__name__,):
        ALIASES[_name] = _cls
_FUNCTIONS = {kl_divergence: KLDivergence, poisson: Poisson, log_cosh: LogCosh, hinge: Hinge,
              squared_hinge: SquaredHinge, categorical_hinge: CategoricalHinge, cosine_similarity: CosineSimilarity,
              mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
              mean_absolute_percentage_error: MeanAbsolutePercentageError,
              mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError, huber: Huber,
              binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
              sparse_categorical_crossentropy: SparseCategoricalCrossentropy}


def get(identifier):
    """A Loss from a name, config dict, instance, class or function."""
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        cls = ALIASES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown loss: {identifier.get('class_name')!r}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier not in ALIASES:
            raise ValueError(f"Unknown loss: {identifier!r}. Known: {', '.join(sorted(ALIASES))}")
        return ALIASES[identifier]()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if callable(identifier):
        return LossFunctionWrapper(identifier, name=getattr(identifier, "__name__", "loss"))
    raise ValueError(f"Unknown loss: {identifier!r}")


def serialize(loss):
    """Keras-style config dict."""
    return {"module": "keras.losses", "class_name": type(loss).__name__, "config": loss.get_config(),
            "registered_name": None}
