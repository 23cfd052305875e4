"""`keras.backend` helpers."""

from engine.dtypes import floatx, set_floatx  # noqa: F401
from engine.layers.naming import clear_session  # noqa: F401


def backend() -> str:
    return "strata"


def epsilon() -> float:
    return 1e-7
