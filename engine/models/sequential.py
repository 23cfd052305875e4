"""`Sequential`: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from engine.layers.core.input_layer import Input, InputLayer
from engine.layers.layer import Layer
from engine.layers.symbolic import KerasTensor
from engine.models.model import Model


class Sequential(Model):
    """`keras.Sequential([keras.Input((3,)), layers.Dense(4), ...])`."""

    def __init__(self, layers=None, trainable=True, name=None):
        from engine.layers.naming import unique_name

        # subclasses of Sequential are still auto-named "sequential", as in Keras
        Model.__init__(self, name=name or unique_name("sequential"), trainable=trainable)
        self._seq_layers: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self._outputs = None
        self._inputs = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (a `keras.Input` tensor sets the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential.add expects a Layer. Received: {layer!r} of type {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._seq_layers:
                raise ValueError("Sequential: an Input can only be the first element.")
            self._input_layer = layer
        else:
            if layer.name in {existing.name for existing in self._seq_layers}:
                raise ValueError(f'Sequential: all layers need unique names; "{layer.name}" is used twice.')
            self._seq_layers.append(layer)
            if self._input_layer is None and len(self._seq_layers) == 1 and getattr(layer, "_batch_input_shape", None):
                self._input_layer = InputLayer(batch_shape=layer._batch_input_shape)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove the last layer."""
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._outputs = None
        if self._input_layer is None or not self._seq_layers:
            return
        x = self._input_layer.output
        for layer in self._seq_layers:
            x = layer(x)
        self._inputs = self._input_layer.output
        self._outputs = x
        self.built = True

    @property
    def layers(self):
        return list(self._seq_layers)

    @property
    def _layers(self):
        return list(self._seq_layers)

    @property
    def inputs(self):
        return [self._inputs] if self._inputs is not None else []

    @property
    def outputs(self):
        return [self._outputs] if self._outputs is not None else []

    @property
    def input_shape(self):
        return self._inputs.shape if self._inputs is not None else None

    @property
    def output_shape(self):
        return self._outputs.shape if self._outputs is not None else None

    @property
    def output_names(self):
        return [self._seq_layers[-1].name] if self._seq_layers else ["output"]

    def build(self, input_shape=None):
        if input_shape is not None and self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
        self._maybe_rebuild()
        if not self.built:
            raise ValueError("Sequential.build needs an input shape (or an Input layer first).")

    def call(self, inputs, training=None, mask=None):
        if not self.built and self._input_layer is None and self._seq_layers:
            shape = (None,) + tuple(inputs.shape[1:])
            self._input_layer = InputLayer(batch_shape=shape)
            self._maybe_rebuild()
        from engine.layers.convolution.fusion import conv_then_pool

        x = inputs
        layers, i = self._seq_layers, 0
        while i < len(layers):
            # a Conv (relu) + MaxPooling pair runs as one op when it can (same numbers, less memory traffic)
            fused = conv_then_pool(layers[i], layers[i + 1], x) if i + 1 < len(layers) else None
            if fused is not None:
                x, i = fused, i + 2
                continue
            kwargs = {} if training is None else {"training": training}
            x = layers[i](x, **kwargs)
            i += 1
        return x

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self._seq_layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        from engine.saving.serialization import serialize_keras_object

        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers.extend(serialize_keras_object(layer) for layer in self._seq_layers)
        return {"name": self.name, "trainable": self.trainable, "dtype": None, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from engine.saving.serialization import deserialize_keras_object

        model = cls(name=config.get("name"))
        for layer_config in config.get("layers", []):
            model.add(deserialize_keras_object(layer_config, custom_objects), rebuild=False)
        model._maybe_rebuild()
        return model
