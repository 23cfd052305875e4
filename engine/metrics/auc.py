"""`AUC`: area under the ROC or precision-recall curve, from thresholded confusion counts."""

from __future__ import annotations

import numpy as np

from engine.autodiff.tensor import Tensor
from engine.metrics.base import Metric, as_array

_EPSILON = 1e-7


def _safe_divide(a, b):
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


class AUC(Metric):
    """Approximate AUC with a Riemann sum over `num_thresholds` thresholds (Keras 3 semantics).

    curve: "ROC" (default) or "PR"; summation_method: "interpolation" (default; PR uses the
    Davis & Goadrich interpolation), "minoring" or "majoring". Predictions are probabilities
    (from_logits=True applies a sigmoid first); labels and predictions are flattened.
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name or "auc", dtype=dtype)
        curve = str(curve).upper()
        summation_method = str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'AUC: curve must be "ROC" or "PR". Received: curve={curve!r}')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError("AUC: summation_method must be 'interpolation', 'minoring' or 'majoring'. "
                             f"Received: summation_method={summation_method!r}")
        if multi_label:
            raise NotImplementedError("AUC(multi_label=True) is not supported yet.")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            if any(not 0 <= t <= 1 for t in inner):
                raise ValueError(f"AUC: thresholds must be in [0, 1]. Received: {thresholds!r}")
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1. Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
        self._init_thresholds = thresholds
        self.thresholds = np.asarray([0.0 - _EPSILON] + inner + [1.0 + _EPSILON], dtype="float64")
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = False
        self.from_logits = from_logits
        n = self.num_thresholds
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_array(y_pred, "float64")
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        y_true = as_array(y_true, "float64")
        if y_true.size != y_pred.size:
            y_true = np.broadcast_to(y_true.reshape(y_true.shape + (1,) * (y_pred.ndim - y_true.ndim)), y_pred.shape)
        y_true = y_true.reshape(-1) > 0.5
        weight = np.ones(y_pred.shape) if sample_weight is None else _broadcast(as_array(sample_weight, "float64"),
                                                                               y_pred)
        y_pred, weight = y_pred.reshape(-1), weight.reshape(-1)
        above = y_pred[None, :] > self.thresholds[:, None]
        pos, neg = y_true[None, :], ~y_true[None, :]
        for variable, mask in ((self.true_positives, above & pos), (self.false_positives, above & neg),
                               (self.true_negatives, ~above & neg), (self.false_negatives, ~above & pos)):
            variable.assign(variable.numpy() + (mask * weight).sum(axis=1).astype("float32"))

    def _interpolate_pr(self, tp, fp, fn):
        n = self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        slope = _safe_divide(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[: n - 1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _safe_divide(p[: n - 1], np.maximum(p[1:], 0)), 1.0)
        return float(np.sum(_safe_divide(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))))

    def result(self):
        tp, fp, tn, fn = (v.numpy().astype("float64") for v in (self.true_positives, self.false_positives,
                                                                 self.true_negatives, self.false_negatives))
        if self.curve == "PR" and self.summation_method == "interpolation":
            return Tensor(np.asarray(self._interpolate_pr(tp, fp, fn), dtype=self.dtype))
        recall = _safe_divide(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _safe_divide(fp, fp + tn), recall
        else:
            x, y = recall, _safe_divide(tp, tp + fp)
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return Tensor(np.asarray(np.sum((x[: n - 1] - x[1:]) * heights), dtype=self.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"num_thresholds": self.num_thresholds, "curve": self.curve,
                       "summation_method": self.summation_method, "multi_label": False,
                       "from_logits": self.from_logits})
        if self._init_thresholds is not None:
            config["thresholds"] = list(self._init_thresholds)
        return config


def _broadcast(weight, values):
    while weight.ndim < values.ndim:
        weight = weight[..., None]
    return np.broadcast_to(weight, values.shape)
