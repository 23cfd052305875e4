"""Conv (relu) followed by MaxPooling, run as one op in a Sequential model's eager calls.

`conv_then_pool(conv, pool, x)` returns the pooled output through `ops.conv_pool.conv_relu_max_pool`
when the pair allows it, else None (the caller then calls the layers one by one). The pair
allows it when both layers are built and channels-last, the conv's activation is relu, the
pooling is "valid" max pooling of the same rank, neither layer has an activity regularizer,
`x` is an eager float tensor of the conv's dtype without a mask, and `x` and the weights are
host (numpy) arrays (device models keep the layer-by-layer path). The numbers equal the two
layers' (same weights, same gradients); what is skipped is the full-size conv output (see
`engine/backend/cpu/conv_pool.py`).
"""

from __future__ import annotations

import numpy as np


def conv_then_pool(conv, pool, x):
    """The pooled output of `pool(conv(x))` as one fused op, or None when the pair does not allow it."""
    if not _fusable(conv, pool, x):
        return None
    from engine.ops.conv_pool import conv_relu_max_pool

    conv._check_input(x)
    return conv_relu_max_pool(x, conv.kernel, conv.bias, strides=conv.strides, padding=conv.padding,
                              dilation_rate=conv.dilation_rate, pool_size=pool.pool_size, pool_strides=pool.strides)


def _fusable(conv, pool, x):
    from engine import activations
    from engine.autodiff import Tensor
    from engine.layers.convolution.base_conv import BaseConv
    from engine.layers.pooling.base_pooling import BasePooling

    if not (isinstance(conv, BaseConv) and isinstance(pool, BasePooling) and conv.built and pool.built):
        return False
    if getattr(pool, "mode", None) != "max" or pool.rank != conv.rank or str(pool.padding).lower() != "valid":
        return False
    if conv.data_format != "channels_last" or pool.data_format != "channels_last":
        return False
    if conv.activity_regularizer is not None or pool.activity_regularizer is not None:
        return False
    if activations.fusable_name(conv.activation) != "relu" or type(conv).call is not BaseConv.call:
        return False
    if not isinstance(x, Tensor) or getattr(x, "_keras_mask", None) is not None:
        return False
    on_host = all(isinstance(t.data, np.ndarray) for t in (x, conv.kernel, conv.bias) if t is not None)
    return on_host and x.dtype == conv.kernel.dtype == conv.compute_dtype
