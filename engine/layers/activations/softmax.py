"""`Softmax`: normalizes exponentials to probabilities along an axis, honouring a mask."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor, convert
from engine.layers.layer import Layer

_LARGE_NEGATIVE = -1e9


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along `axis`; masked positions get probability 0.

    Args:
        axis: int or list of ints, the axes normalized over (default -1).

    Call arguments: `mask`, a boolean (or 0/1) tensor broadcastable to the inputs; False
    entries are excluded from the normalization and output 0.

    Input shape: any. Output shape: same as the input.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
        elif not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"Softmax: axis must be an int or a list of ints. Received: axis={axis!r}")
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        keep = None
        if mask is not None:
            keep = np.asarray(convert(mask).data)
            if keep.ndim > inputs.ndim or any(m != 1 and m != i for m, i in zip(keep.shape[::-1], inputs.shape[::-1])):
                raise ValueError(f'Layer "{self.name}": the mask must be broadcastable to the inputs. '
                                 f"Received: inputs.shape={inputs.shape}, mask.shape={keep.shape}")
            keep = keep if keep.dtype == bool else keep > 0.5
            inputs = ops.where(Tensor(keep), inputs, Tensor(np.asarray(_LARGE_NEGATIVE, dtype=inputs.dtype)))
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if len(axes) > 1:
            outputs = ops.exp(ops.subtract(inputs, ops.reduce_logsumexp(inputs, axis=axes, keepdims=True)))
        else:
            outputs = ops.softmax(inputs, axis=axes[0])
        if keep is not None:
            outputs = ops.where(Tensor(keep), outputs, Tensor(np.asarray(0, dtype=outputs.dtype)))
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
