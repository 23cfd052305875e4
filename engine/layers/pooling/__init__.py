"""Built-in pooling layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.pooling.max_pooling1d import MaxPooling1D
from engine.layers.pooling.max_pooling2d import MaxPooling2D
from engine.layers.pooling.max_pooling3d import MaxPooling3D
from engine.layers.pooling.average_pooling1d import AveragePooling1D
from engine.layers.pooling.average_pooling2d import AveragePooling2D
from engine.layers.pooling.average_pooling3d import AveragePooling3D
from engine.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from engine.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from engine.layers.pooling.global_max_pooling3d import GlobalMaxPooling3D
from engine.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from engine.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from engine.layers.pooling.global_average_pooling3d import GlobalAveragePooling3D

__all__: list[str] = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
]

# Layer class name -> palette category.
CATEGORY: dict[str, str] = {name: "Pooling" for name in __all__}

# Keras aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
__all__ += ["MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
            "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
            "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]
