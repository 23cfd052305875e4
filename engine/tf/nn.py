"""`tf.nn`: activations and fused losses."""

from engine.ops.nn import (  # noqa: F401
    elu, gelu, leaky_relu, log_softmax, relu, relu6, selu, sigmoid, sigmoid_cross_entropy_with_logits, silu,
    softmax, softmax_cross_entropy_with_logits, softplus, softsign, sparse_softmax_cross_entropy_with_logits, tanh,
)
from engine.ops.nn import silu as swish  # noqa: F401
from engine.ops.nn import dropout  # noqa: F401


from engine.layers.symbolic import wrap_namespace as _wrap  # noqa: E402

_wrap(globals(), skip=())
