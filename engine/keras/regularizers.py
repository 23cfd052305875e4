"""`keras.regularizers`."""

from engine.regularizers import *  # noqa: F401,F403
from engine.regularizers import get  # noqa: F401
from engine.regularizers import L1, L1L2, L2, Regularizer, l1, l1_l2, l2  # noqa: F401
