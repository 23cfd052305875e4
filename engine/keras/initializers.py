"""`keras.initializers`."""

from engine.initializers import *  # noqa: F401,F403
from engine.initializers import get  # noqa: F401
from engine.initializers import (  # noqa: F401
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, Initializer, LecunNormal, Ones,
    Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros,
)
