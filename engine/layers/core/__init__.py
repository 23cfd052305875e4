"""Core layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.core.activation import Activation
from engine.layers.core.dense import Dense
from engine.layers.core.embedding import Embedding
from engine.layers.core.flatten import Flatten
from engine.layers.core.identity import Identity
from engine.layers.core.lambda_layer import Lambda
from engine.layers.core.layer_scale import LayerScale
from engine.layers.core.masking import Masking
from engine.layers.core.permute import Permute
from engine.layers.core.repeat_vector import RepeatVector
from engine.layers.core.reshape import Reshape

CATEGORY: dict[str, str] = {
    name: "Core" for name in (
        "Dense", "Activation", "Flatten", "Reshape", "Permute", "RepeatVector", "Lambda", "Masking",
        "Embedding", "Identity", "LayerScale",
    )
}

__all__ = list(CATEGORY)
