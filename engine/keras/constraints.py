"""`keras.constraints`."""

from engine.constraints import *  # noqa: F401,F403
from engine.constraints import get  # noqa: F401
