"""`keras.optimizers`."""

from engine.optimizers import *  # noqa: F401,F403
from engine.optimizers import get  # noqa: F401
from engine.optimizers import schedules  # noqa: F401
