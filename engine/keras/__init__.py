"""The `keras` namespace of our engine: `from engine import keras`.

Mirrors the parts of Keras 3's public API that Strata supports, so code written for
`keras` (or `tf.keras`) runs here with only its import line changed.
"""

from engine.keras import (  # noqa: F401
    activations, backend, callbacks, constraints, initializers, layers, losses, metrics, models,
    ops, optimizers, regularizers, saving, utils,
)
from engine.layers.core.input_layer import Input  # noqa: F401
from engine.layers.layer import Layer  # noqa: F401
from engine.models import Model, Sequential  # noqa: F401
from engine.backend import device  # noqa: F401
from engine.variables import Variable  # noqa: F401
from engine.version import __version__  # noqa: F401
