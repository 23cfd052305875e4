"""`keras.losses`."""

from engine.losses import *  # noqa: F401,F403
from engine.losses import get  # noqa: F401
