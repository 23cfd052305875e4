"""Built-in regularization layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.regularization.activity_regularization import ActivityRegularization
from engine.layers.regularization.dropout import Dropout
from engine.layers.regularization.gaussian_noise import GaussianNoise
from engine.layers.regularization.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D

CATEGORY: dict[str, str] = {
    name: "Regularization" for name in (
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
        "ActivityRegularization",
    )
}

__all__ = list(CATEGORY)
