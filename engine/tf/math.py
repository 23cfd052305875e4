"""`tf.math`."""

from engine.ops import (  # noqa: F401
    abs, add, argmax, argmin, cos, cumsum, divide, equal, exp, greater, less, log, log1p, logical_and,
    logical_not, logical_or, maximum, minimum, multiply, negative, not_equal, reduce_logsumexp, reduce_max,
    reduce_mean, reduce_min, reduce_prod, reduce_sum, round, rsqrt, sign, sin, sqrt, square, subtract, tanh,
)
from engine.ops import power as pow  # noqa: F401
from engine.ops import sigmoid, add_n, softplus  # noqa: F401


from engine.layers.symbolic import wrap_namespace as _wrap  # noqa: E402

_wrap(globals(), skip=())
