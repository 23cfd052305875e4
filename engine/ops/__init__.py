"""The op library. Every differentiable op defines its forward and backward once.

Layers, losses and user code call these (or their `tf.*` aliases); each op records itself
on the active `GradientTape` when its inputs need gradients.
"""

from engine.ops.math import *  # noqa: F401,F403
from engine.ops.math import abs, round  # noqa: F401,A004
from engine.ops.array import *  # noqa: F401,F403
from engine.ops.nn import *  # noqa: F401,F403
from engine.ops.creation import *  # noqa: F401,F403
from engine.ops.rnn import *  # noqa: F401,F403
from engine.ops.creation import range_  # noqa: F401
from engine.autodiff.tensor import convert, convert as convert_to_tensor  # noqa: F401
from engine.ops.conv import *  # noqa: F401,F403
from engine.ops.pooling import *  # noqa: F401,F403
from engine.ops.layer_ops import *  # noqa: F401,F403
