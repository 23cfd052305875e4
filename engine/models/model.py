"""`Model`: a Layer with training, evaluation, prediction and saving."""

from __future__ import annotations

import numpy as np

from engine.layers.layer import Layer
from engine.models.training import Trainer


class Model(Trainer, Layer):
    """The outer container you train: `fit`, `evaluate`, `predict`, `save`.

    `keras.Model(inputs, outputs)` builds a functional model; subclassing `Model` and
    defining `call` builds a subclassed one, as in the guide's ResNet example.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            from engine.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs:
            # Only reached for Functional, whose __init__ handles these arguments.
            raise TypeError("Model(inputs, outputs) should construct a functional model.")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)

    @property
    def layers(self) -> list[Layer]:
        """Direct sublayers (for functional models: every layer of the graph, inputs first)."""
        return self._layers

    def get_layer(self, name=None, index=None) -> Layer:
        """A sublayer by name or index."""
        if index is not None:
            if index >= len(self.layers):
                raise ValueError(f"Model has {len(self.layers)} layers; index {index} is out of range.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False):
        """Print a table of layers, output shapes and parameter counts."""
        from engine.models.summary import summary_text

        text = summary_text(self, expand_nested=expand_nested)
        (print_fn or print)(text)

    # -- saving ------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save architecture, weights and optimizer to a `.keras` file (Keras 3 format)."""
        from engine.saving import save_model

        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True):
        """Save only the weights, to a `.weights.h5` file."""
        from engine.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load weights saved by `save_weights` (or the weights of a `.keras` file)."""
        from engine.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs) -> str:
        """The model's config as JSON."""
        import json

        from engine.saving.serialization import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

    def _maybe_build(self, args, kwargs) -> None:
        # A subclassed model is built by running its call (its sublayers build themselves);
        # Model.build would call the model again and recurse.
        if type(self).build is Model.build:
            from engine.layers.layer import _shape_of
            from engine.layers.symbolic import map_structure

            self._build_shapes = map_structure(_shape_of, args[0]) if args else None
            self.built = True
            return
        super()._maybe_build(args, kwargs)

    def build(self, input_shape=None):
        """Build a subclassed model by calling it on zeros of `input_shape`."""
        if input_shape is not None and type(self).call is not Model.call and not self.built:
            shape = tuple(1 if s is None else s for s in input_shape)
            self(np.zeros(shape, dtype=self.dtype))
        self.built = True
