"""Built-in normalization layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.normalization.batch_normalization import BatchNormalization
from engine.layers.normalization.group_normalization import GroupNormalization
from engine.layers.normalization.layer_normalization import LayerNormalization
from engine.layers.normalization.unit_normalization import UnitNormalization

CATEGORY: dict[str, str] = {
    "BatchNormalization": "Normalization",
    "LayerNormalization": "Normalization",
    "GroupNormalization": "Normalization",
    "UnitNormalization": "Normalization",
}

__all__ = list(CATEGORY)
