"""Built-in convolution layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.convolution.conv1d import Conv1D
from engine.layers.convolution.conv2d import Conv2D
from engine.layers.convolution.conv3d import Conv3D
from engine.layers.convolution.conv1d_transpose import Conv1DTranspose
from engine.layers.convolution.conv2d_transpose import Conv2DTranspose
from engine.layers.convolution.conv3d_transpose import Conv3DTranspose
from engine.layers.convolution.depthwise_conv1d import DepthwiseConv1D
from engine.layers.convolution.depthwise_conv2d import DepthwiseConv2D
from engine.layers.convolution.separable_conv1d import SeparableConv1D
from engine.layers.convolution.separable_conv2d import SeparableConv2D

__all__: list[str] = [
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
]

# Layer class name -> palette category.
CATEGORY: dict[str, str] = {name: "Convolution" for name in __all__}

# Keras aliases.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
__all__ += ["Convolution1D", "Convolution2D", "Convolution3D", "Convolution2DTranspose",
            "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D"]
