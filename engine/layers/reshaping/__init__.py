"""Built-in reshaping layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.reshaping.up_sampling1d import UpSampling1D
from engine.layers.reshaping.up_sampling2d import UpSampling2D
from engine.layers.reshaping.zero_padding1d import ZeroPadding1D
from engine.layers.reshaping.zero_padding2d import ZeroPadding2D
from engine.layers.reshaping.cropping1d import Cropping1D
from engine.layers.reshaping.cropping2d import Cropping2D

__all__: list[str] = ["UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D"]

# Layer class name -> palette category (spatial resizing sits with pooling on the palette).
CATEGORY: dict[str, str] = {name: "Pooling" for name in __all__}
