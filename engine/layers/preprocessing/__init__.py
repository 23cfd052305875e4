"""Built-in preprocessing layers: rescaling, normalization, image resizing and augmentation.

Each layer lives in its own module; list it in `CATEGORY`.
"""

from engine.layers.preprocessing.center_crop import CenterCrop
from engine.layers.preprocessing.normalization import Normalization
from engine.layers.preprocessing.random_brightness import RandomBrightness
from engine.layers.preprocessing.random_contrast import RandomContrast
from engine.layers.preprocessing.random_crop import RandomCrop
from engine.layers.preprocessing.random_flip import RandomFlip
from engine.layers.preprocessing.random_rotation import RandomRotation
from engine.layers.preprocessing.random_translation import RandomTranslation
from engine.layers.preprocessing.random_zoom import RandomZoom
from engine.layers.preprocessing.rescaling import Rescaling
from engine.layers.preprocessing.resizing import Resizing

CATEGORY: dict[str, str] = {
    name: "Preprocessing" for name in (
        "Rescaling", "Normalization", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
        "RandomTranslation", "RandomContrast", "RandomCrop", "RandomBrightness",
    )
}

__all__ = list(CATEGORY)
