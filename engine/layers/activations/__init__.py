"""Built-in activation layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.activations.elu import ELU
from engine.layers.activations.leaky_relu import LeakyReLU
from engine.layers.activations.prelu import PReLU
from engine.layers.activations.relu import ReLU
from engine.layers.activations.softmax import Softmax

CATEGORY: dict[str, str] = {name: "Activation" for name in ("ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax")}

__all__ = list(CATEGORY)
