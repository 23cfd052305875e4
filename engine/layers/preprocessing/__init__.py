"""Built-in preprocessing layers (rescaling, normalization, image resizing and augmentation).

Each layer lives in its own module; list it in `CATEGORY`.
"""

from engine.layers.preprocessing.normalization import Normalization
from engine.layers.preprocessing.rescaling import Rescaling

CATEGORY: dict[str, str] = {
    "Rescaling": "Preprocessing",
    "Normalization": "Preprocessing",
}

__all__ = list(CATEGORY)
