"""`Attention`: dot-product (Luong-style) attention of a query sequence over a value sequence."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer
from engine.layers.regularization._noise import apply_dropout, check_rate, layer_generator

# What Keras subtracts from the score of a masked-out key so softmax gives it no weight.
_MASKED_SCORE = 1.0e9


class Attention(Layer):
    """Attends from each query step to the value steps: `softmax(scores) @ value`.

    Called on a list `[query, value]` or `[query, value, key]` (key defaults to value) of
    shapes (batch, Tq, dim), (batch, Tv, dim) and (batch, Tv, dim); on the canvas wire the
    inputs in that order. Scores are `query @ key^T` (score_mode "dot") or
    `sum(tanh(query + key))` over dim (score_mode "concat").

    Args:
        use_scale: learn a scalar `scale` multiplying the scores (inside tanh for "concat").
        score_mode: "dot" or "concat" ("concat" also learns a scalar `concat_score_weight`).
        dropout: fraction of attention weights dropped while training.
        seed: optional int for the dropout's own generator.

    Call options: `mask=[query_mask, value_mask]` (boolean (batch, Tq) and (batch, Tv); also
    taken from masked inputs, e.g. Embedding(mask_zero=True)), `use_causal_mask` (step i sees
    value steps <= i), `return_attention_scores` (also return the (batch, Tq, Tv) weights).

    Output shape: (batch, Tq, value dim); masked query steps are zero and the output keeps the
    query's mask. Weights, in order: scale, concat_score_weight (those enabled).
    """

    call_takes_list = True   # called on one list [query, value(, key)], not on separate arguments

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__}: score_mode must be one of dot, concat. "
                             f"Received: score_mode={score_mode!r}")
        self.score_mode = score_mode
        self.dropout = check_rate(type(self).__name__, dropout) if dropout else 0.0
        self.seed = seed
        self._rng = layer_generator(seed)
        self.supports_masking = True
        self.scale = self.concat_score_weight = None

    # -- shapes ----------------------------------------------------------------------------------
    def _check_shapes(self, shapes):
        name = f'Layer "{self.name}" ({type(self).__name__})'
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(shapes[0], (list, tuple)) \
                or not 2 <= len(shapes) <= 3:
            raise ValueError(f"{name} must be called on a list [query, value] or [query, value, key]. "
                             f"Received input shape {shapes}.")
        query, value = tuple(shapes[0]), tuple(shapes[1])
        key = tuple(shapes[2]) if len(shapes) > 2 else value
        if len(query) < 3 or len(value) != len(query) or len(key) != len(query):
            raise ValueError(f"{name} needs query, value and key of the same rank, at least (batch, steps, dim). "
                             f"Received query {query}, value {value}, key {key}.")
        if key[-2] is not None and value[-2] is not None and key[-2] != value[-2]:
            raise ValueError(f"{name}: key and value need the same number of steps. "
                             f"Received key {key} and value {value}.")
        if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
            raise ValueError(f"{name}: query and key need the same last dimension to be compared. "
                             f"Received query {query} and key {key}.")
        return query, value, key

    def build(self, input_shape):
        self._check_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")
        self.built = True

    def compute_output_shape(self, input_shape):
        query, value, _ = self._check_shapes(input_shape)
        return (*query[:-1], value[-1])

    # -- computation -----------------------------------------------------------------------------
    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, key, transpose_b=True)
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        pairs = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.multiply(self.concat_score_weight, ops.reduce_sum(ops.tanh(pairs), axis=-1))

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._check_shapes([tuple(x.shape) for x in inputs] if isinstance(inputs, (list, tuple)) else inputs)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = self._masks(inputs, mask)
        scores = self._scores(query, key)
        allowed = None if value_mask is None else np.expand_dims(value_mask, -2)
        if use_causal_mask:
            steps_q, steps_v = scores.shape[-2], scores.shape[-1]
            causal = np.tril(np.ones((steps_q, steps_v), dtype=bool))
            allowed = causal if allowed is None else np.logical_and(allowed, causal)
        if allowed is not None:
            scores = ops.where(Tensor(np.logical_not(allowed)), ops.subtract(scores, _MASKED_SCORE), scores)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = apply_dropout(weights, self.dropout, tuple(weights.shape), self._rng)
        output = ops.matmul(weights, value)
        if query_mask is not None:
            output = ops.where(Tensor(np.expand_dims(query_mask, -1)), output, 0.0)
        return (output, weights) if return_attention_scores else output

    @staticmethod
    def _masks(inputs, mask):
        """(query mask, value mask) as boolean arrays or None: from `mask` when it is a list,
        else from the inputs' own masks (a single mask cannot tell which input it belongs to)."""
        if not isinstance(mask, (list, tuple)):
            mask = [getattr(x, "_keras_mask", None) for x in inputs]
        found = []
        for m in list(mask[:2]) + [None] * (2 - len(mask[:2])):
            found.append(None if m is None else np.asarray(m.numpy() if hasattr(m, "numpy") else m).astype(bool))
        return found[0], found[1]

    def compute_mask(self, inputs, mask=None):
        query_mask, _ = self._masks(inputs, mask) if isinstance(inputs, (list, tuple)) else (None, None)
        return None if query_mask is None else Tensor(query_mask)

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                       "seed": self.seed})
        return config
