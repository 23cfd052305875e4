"""`keras.ops`: the op library under Keras 3 names."""

from engine.ops import *  # noqa: F401,F403
from engine.ops import (  # noqa: F401
    abs, add, subtract, multiply, divide, matmul, reshape, transpose, concat as concatenate, exp, log, sqrt,
    square, maximum, minimum, clip, where, relu, sigmoid, tanh, softmax, log_softmax, expand_dims, squeeze,
    stack, cast, convert_to_tensor, one_hot, argmax, argmin, flip, pad, tile, repeat, cumsum, negative, power,
    reduce_logsumexp as logsumexp, stop_gradient, identity, sign,
)
from engine.ops import reduce_sum as sum, reduce_mean as mean, reduce_max as max, reduce_min as min  # noqa: F401,A004
from engine.ops import reduce_prod as prod  # noqa: F401
from engine.ops import zeros, ones, zeros_like, ones_like, eye, range_ as arange  # noqa: F401


def shape(x):
    return tuple(x.shape)


from engine.layers.symbolic import wrap_namespace as _wrap  # noqa: E402

_wrap(globals(), skip=("zeros", "ones", "eye", "arange", "range_", "fill", "random_normal", "random_uniform",
                       "convert", "convert_to_tensor"))
