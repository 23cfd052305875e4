"""Our convolution layers against Keras 3 (torch backend) with the same weights."""

import pytest

from tests.engine.parity.spatial_parity import check_parity

CASES = [
    ("Conv1D", dict(filters=3, kernel_size=3), (2, 7, 2)),
    ("Conv1D", dict(filters=4, kernel_size=3, strides=2, padding="same", groups=2, activation="tanh"), (2, 8, 4)),
    ("Conv1D", dict(filters=2, kernel_size=2, padding="causal", dilation_rate=2), (2, 6, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 7, 6, 3)),
    ("Conv2D", dict(filters=3, kernel_size=(2, 3), dilation_rate=(2, 1), use_bias=False), (2, 6, 6, 2)),
    ("Conv2D", dict(filters=4, kernel_size=1, groups=2), (2, 3, 3, 4)),
    ("Conv2D", dict(filters=2, kernel_size=3, padding="same", data_format="channels_first"), (2, 3, 5, 4)),
    ("Conv3D", dict(filters=2, kernel_size=(2, 3, 2), strides=(1, 2, 2), padding="same"), (2, 3, 5, 4, 2)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2), (2, 4, 3)),
    ("Conv1DTranspose", dict(filters=2, kernel_size=4, strides=3, padding="same"), (2, 3, 2)),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same"), (2, 3, 4, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1), (2, 3, 3, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=(2, 3), strides=(3, 2), output_padding=(1, 0)), (2, 2, 3, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"), (2, 4, 4, 1)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=4, strides=2, padding="same", use_bias=False), (2, 3, 4, 3)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2, padding="same"), (1, 2, 3, 2, 2)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, strides=2, padding="same"), (2, 5, 6, 3)),
    ("DepthwiseConv2D", dict(kernel_size=2, dilation_rate=2), (2, 5, 5, 2)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, depth_multiplier=2, padding="same"), (2, 5, 4, 3)),
    ("SeparableConv2D", dict(filters=2, kernel_size=2, strides=2, activation="sigmoid"), (2, 5, 5, 2)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2, padding="same"), (2, 6, 3)),
    ("SeparableConv1D", dict(filters=3, kernel_size=2, strides=2, depth_multiplier=2), (2, 7, 2)),
]


@pytest.mark.parametrize("class_name,kwargs,input_shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_conv_layer_matches_keras(class_name, kwargs, input_shape):
    check_parity(class_name, kwargs, input_shape)
