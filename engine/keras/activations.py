"""`keras.activations`."""

from engine.activations import *  # noqa: F401,F403
from engine.activations import get  # noqa: F401
