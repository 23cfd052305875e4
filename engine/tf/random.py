"""`tf.random`."""

from engine.ops.creation import random_normal as normal, random_uniform as uniform  # noqa: F401
from engine.random import set_seed  # noqa: F401
