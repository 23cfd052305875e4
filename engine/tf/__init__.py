"""The subset of TensorFlow's API the Keras guide uses, on our engine: `from engine import tf`."""

from engine import keras  # noqa: F401  (tf.keras)
from engine import ops as _ops
from engine.autodiff.tape import GradientTape  # noqa: F401
from engine.autodiff.tensor import Tensor  # noqa: F401
from engine.backend import device  # noqa: F401
from engine.tf import math, nn, random  # noqa: F401
from engine.variables import Variable  # noqa: F401
from engine import initializers as _init

float16, float32, float64 = "float16", "float32", "float64"
int32, int64, uint8, bool_ = "int32", "int64", "uint8", "bool"
bool = bool_  # noqa: A001

add = _ops.add
subtract = _ops.subtract
multiply = _ops.multiply
divide = _ops.divide
matmul = _ops.matmul
square = _ops.square
sqrt = _ops.sqrt
exp = _ops.exp
abs = _ops.abs  # noqa: A001
maximum = _ops.maximum
minimum = _ops.minimum
reduce_sum = _ops.reduce_sum
reduce_mean = _ops.reduce_mean
reduce_max = _ops.reduce_max
reduce_min = _ops.reduce_min
reduce_prod = _ops.reduce_prod
reshape = _ops.reshape
transpose = _ops.transpose
concat = _ops.concat
stack = _ops.stack
unstack = _ops.unstack
split = _ops.split
expand_dims = _ops.expand_dims
squeeze = _ops.squeeze
cast = _ops.cast
where = _ops.where
gather = _ops.gather
one_hot = _ops.one_hot
argmax = _ops.argmax
argmin = _ops.argmin
clip_by_value = _ops.clip
stop_gradient = _ops.stop_gradient
identity = _ops.identity
tile = _ops.tile
pad = _ops.pad
zeros = _ops.zeros
ones = _ops.ones
fill = _ops.fill
zeros_like = _ops.zeros_like
ones_like = _ops.ones_like
eye = _ops.eye
range = _ops.range_  # noqa: A001
convert_to_tensor = _ops.convert
constant = _ops.convert
equal = _ops.equal
not_equal = _ops.not_equal
less = _ops.less
greater = _ops.greater
greater_equal = _ops.greater_equal
less_equal = _ops.less_equal
add_n = _ops.add_n
log = _ops.log
sigmoid = _ops.sigmoid
tanh = _ops.tanh
negative = _ops.negative
sign = _ops.sign
pow = _ops.power  # noqa: A001
sin = _ops.sin
cos = _ops.cos
reduce_logsumexp = _ops.reduce_logsumexp
cumsum = _ops.cumsum
broadcast_to = _ops.broadcast_to
repeat = _ops.repeat
reverse = _ops.flip
from engine.autodiff.tensor import is_tensor  # noqa: E402,F401


def shape(x):
    """The shape as an int32 tensor."""
    import numpy as _np

    return Tensor(_np.asarray(x.shape, dtype="int32"))


def random_normal_initializer(mean=0.0, stddev=0.05, seed=None):
    """TF's initializer object: `init(shape=..., dtype=...)` returns a tensor."""
    return _init.RandomNormal(mean=mean, stddev=stddev, seed=seed)


def random_uniform_initializer(minval=-0.05, maxval=0.05, seed=None):
    return _init.RandomUniform(minval=minval, maxval=maxval, seed=seed)


def zeros_initializer():
    return _init.Zeros()


def ones_initializer():
    return _init.Ones()


def constant_initializer(value=0):
    return _init.Constant(value)


from engine.layers.symbolic import wrap_namespace as _wrap  # noqa: E402

_wrap(globals(), skip=("zeros", "ones", "eye", "range", "fill", "convert_to_tensor", "constant", "shape"))
