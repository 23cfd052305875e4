"""Every built-in layer, by its Keras name.

Add a layer: write `engine/layers/<category>/<name>.py` with one `Layer` subclass (config
in `get_config`, a docstring with what it does, its arguments and shapes), import it in
that category's `__init__.py` and add it to `__all__` and `CATEGORY` there. The canvas
palette, the code exporter and `load_model` find it through this module.
"""

from engine.layers.layer import Layer
from engine.layers.input_spec import InputSpec
from engine.layers.core.input_layer import Input, InputLayer
from engine.layers.core import *  # noqa: F401,F403
from engine.layers.convolution import *  # noqa: F401,F403
from engine.layers.pooling import *  # noqa: F401,F403
from engine.layers.reshaping import *  # noqa: F401,F403
from engine.layers.rnn import *  # noqa: F401,F403
from engine.layers.normalization import *  # noqa: F401,F403
from engine.layers.regularization import *  # noqa: F401,F403
from engine.layers.merging import *  # noqa: F401,F403
from engine.layers.activations import *  # noqa: F401,F403
from engine.layers.preprocessing import *  # noqa: F401,F403
from engine.layers.attention import *  # noqa: F401,F403
from engine.layers import (
    activations as _act, attention as _attn, convolution as _conv, core as _core, merging as _merge,
    normalization as _norm,
    pooling as _pool, preprocessing as _prep, regularization as _reg, reshaping as _reshape, rnn as _rnn,
)

# Palette category of each built-in layer ("Core", "Convolution", "Pooling", "Recurrent",
# "Normalization", "Regularization", "Merging", "Activation", "Preprocessing", "Attention").
CATEGORIES: dict[str, str] = {}
for _module in (_core, _conv, _pool, _reshape, _rnn, _norm, _reg, _merge, _act, _prep, _attn):
    CATEGORIES.update(_module.CATEGORY)


def builtin_layers() -> dict[str, type]:
    """Class name -> class for every built-in layer listed in CATEGORIES."""
    return {name: globals()[name] for name in CATEGORIES if name in globals()}
