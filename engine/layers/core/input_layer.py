"""`InputLayer` and `keras.Input`: the entry points of a functional model."""

from __future__ import annotations

from engine import dtypes
from engine.layers.layer import Layer
from engine.layers.naming import unique_name
from engine.layers.symbolic import KerasTensor, Node


class InputLayer(Layer):
    """Holds the placeholder a functional model starts from."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, input_shape=None, batch_input_shape=None, **kwargs):
        name = name or unique_name("input_layer")
        if shape is None and input_shape is not None:
            shape = input_shape
        if batch_shape is None and batch_input_shape is not None:
            batch_shape = batch_input_shape
        super().__init__(name=name, dtype=dtype)
        if batch_shape is None:
            if shape is None:
                raise ValueError(f'InputLayer "{name}" needs a shape, e.g. keras.Input(shape=(3,)).')
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        for s in batch_shape:
            if s is not None and (not isinstance(s, int) or s < 0):
                raise ValueError(f'InputLayer "{name}": invalid shape {tuple(batch_shape)}; sizes must be non-negative integers or None.')
        self.batch_shape = tuple(batch_shape)
        self.sparse = bool(sparse)
        self.optional = optional
        self._input_dtype = dtypes.standardize(dtype) or dtypes.floatx()
        self.built = True
        tensor = KerasTensor(self.batch_shape, self._input_dtype, name=name)
        tensor.node = Node(self, (), {}, tensor)
        self.output = tensor

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self._input_dtype, "sparse": self.sparse,
                "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        config.pop("ragged", None)
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """A symbolic input tensor: `keras.Input(shape=(3,), name="inputs")`."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, optional=optional)
    return layer.output
