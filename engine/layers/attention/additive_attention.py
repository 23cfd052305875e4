"""`AdditiveAttention`: Bahdanau-style attention, scores from tanh(query + key)."""

from __future__ import annotations

from engine import ops
from engine.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Attention whose scores are `sum(scale * tanh(query + key))` over the last axis.

    Called on `[query, value]` or `[query, value, key]` like `Attention` (same masks, causal
    mask, dropout and attention-score options); query and key share their last dimension.

    Args:
        use_scale: learn a per-dimension `scale` vector (glorot-uniform initialised; default True).
        dropout: fraction of attention weights dropped while training.
        seed: optional int for the dropout's own generator.

    Output shape: (batch, Tq, value dim). Weights: scale (dim,) when use_scale.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        query, _, _ = self._check_shapes(input_shape)
        if query[-1] is None:
            raise ValueError(f'Layer "{self.name}" (AdditiveAttention) needs the last dimension of the query known.')
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(query[-1],), initializer="glorot_uniform")
        self.built = True

    def _scores(self, query, key):
        pairs = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.reduce_sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
