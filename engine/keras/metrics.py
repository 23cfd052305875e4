"""`keras.metrics`."""

from engine.metrics import *  # noqa: F401,F403
from engine.metrics import get  # noqa: F401
