"""`Embedding`: turns integer indices into dense vectors of fixed size."""

from __future__ import annotations

import numpy as np

from engine import constraints, initializers, ops, regularizers
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer


class Embedding(Layer):
    """Looks up row `i` of an (input_dim, output_dim) table for each index `i`.

    Args:
        input_dim: vocabulary size (indices lie in [0, input_dim)).
        output_dim: size of each vector.
        embeddings_initializer: initializer of the table (default "uniform", in [-0.05, 0.05]).
        embeddings_regularizer, embeddings_constraint: penalty and projection on the table.
        mask_zero: whether index 0 is padding; the output then carries a mask (index != 0).
        weights: optional list holding an initial table.

    Input shape: (batch, ...) integers. Output shape: (batch, ..., output_dim).
    Weights: `embeddings` (input_dim, output_dim).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: {arg} must be a positive integer. Received: {arg}={value!r}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        if embeddings_initializer in ("uniform", "normal"):  # Keras 3's short aliases
            embeddings_initializer = "random_" + embeddings_initializer
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False
        self._initial_weights = weights
        if lora_rank:
            raise ValueError("Embedding: lora_rank is not supported by this engine.")

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs):
        return ops.embedding_lookup(self.embeddings, inputs, layer_name=self.name)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return Tensor(np.asarray(inputs.data if isinstance(inputs, Tensor) else inputs) != 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return config
