"""`keras.layers`: every built-in layer."""

from engine.layers import *  # noqa: F401,F403
from engine.layers import Layer, InputSpec, Input, InputLayer  # noqa: F401
