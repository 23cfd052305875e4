"""Float64 gradient checks and reference values for the convolution ops."""

import numpy as np
import pytest
import torch

from engine import ops
from engine.autodiff import Tensor
from tests.engine.gradcheck import check_gradients

RNG = np.random.default_rng(0)


def _rand(*shape):
    return RNG.normal(size=shape)


@pytest.mark.parametrize("padding,strides,dilation", [
    ("valid", 1, 1), ("same", 2, 1), ("same", 1, 2), ("causal", 2, 1), ("valid", 2, 2),
])
def test_conv1d_gradients(padding, strides, dilation):
    x, k = _rand(2, 7, 3), _rand(3, 3, 2)
    check_gradients(lambda a, b: ops.conv(a, b, strides=strides, padding=padding, dilation_rate=dilation), x, k)


@pytest.mark.parametrize("padding,strides,dilation,groups", [
    ("valid", (1, 2), 1, 1), ("same", 2, 1, 2), ("same", 1, (2, 1), 1),
])
def test_conv2d_gradients(padding, strides, dilation, groups):
    x, k = _rand(2, 5, 6, 4), _rand(3, 2, 4 // groups, 4)
    check_gradients(lambda a, b: ops.conv(a, b, strides=strides, padding=padding, dilation_rate=dilation), x, k)


def test_conv3d_gradients():
    x, k = _rand(1, 4, 3, 4, 2), _rand(2, 2, 3, 2, 3)
    check_gradients(lambda a, b: ops.conv(a, b, strides=(1, 1, 2), padding="same"), x, k)


def test_pointwise_conv_gradients():
    x, k = _rand(2, 3, 3, 3), _rand(1, 1, 3, 2)
    check_gradients(lambda a, b: ops.conv(a, b), x, k)


@pytest.mark.parametrize("padding,strides,output_padding,dilation", [
    ("valid", 2, None, 1), ("same", 2, None, 1), ("same", 2, 1, 1), ("valid", 1, None, 2), ("valid", 3, 1, 1),
])
def test_conv_transpose_gradients(padding, strides, output_padding, dilation):
    x, k = _rand(2, 3, 4, 2), _rand(3, 2, 3, 2)
    check_gradients(lambda a, b: ops.conv_transpose(a, b, strides=strides, padding=padding,
                                                    output_padding=output_padding, dilation_rate=dilation), x, k)


def test_conv_transpose_1d_and_3d_gradients():
    check_gradients(lambda a, b: ops.conv_transpose(a, b, strides=2, padding="same"), _rand(2, 4, 2), _rand(3, 3, 2))
    check_gradients(lambda a, b: ops.conv_transpose(a, b, strides=(1, 2, 1), padding="valid"),
                    _rand(1, 2, 2, 3, 2), _rand(2, 2, 2, 2, 2))


def test_depthwise_and_separable_gradients():
    x = _rand(2, 5, 5, 3)
    check_gradients(lambda a, b: ops.depthwise_conv(a, b, strides=2, padding="same"), x, _rand(3, 3, 3, 2))
    check_gradients(lambda a, b, c: ops.separable_conv(a, b, c, padding="valid", dilation_rate=2),
                    x, _rand(2, 2, 3, 2), _rand(1, 1, 6, 4))


def test_conv_matches_torch_with_groups_and_dilation():
    x, k = _rand(2, 9, 8, 6), _rand(3, 2, 2, 9)
    got = ops.conv(Tensor(x), Tensor(k), strides=(2, 1), dilation_rate=(1, 2)).numpy()
    want = torch.nn.functional.conv2d(torch.tensor(x).permute(0, 3, 1, 2), torch.tensor(k).permute(3, 2, 0, 1),
                                      stride=(2, 1), dilation=(1, 2), groups=3).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_conv_transpose_is_adjoint_of_conv():
    # <conv(x, k), u> == <x, conv_transpose(u, k)>: both use the (kh, kw, c_in, c_out) kernel unchanged
    x, k = _rand(2, 7, 9, 3), _rand(3, 3, 3, 4)
    y = ops.conv(Tensor(x), Tensor(k), strides=2).numpy()
    u = _rand(*y.shape)
    back = ops.conv_transpose(Tensor(u), Tensor(k), strides=2).numpy()
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(y * u), np.sum(x * back), rtol=1e-10)


def test_conv_float32_keeps_dtype():
    y = ops.conv(Tensor(_rand(1, 4, 4, 2).astype("float32")), Tensor(_rand(2, 2, 2, 3).astype("float32")))
    assert y.dtype == "float32"


@pytest.mark.parametrize("kwargs,message", [
    (dict(inputs=np.zeros((2, 3)), kernel=np.zeros((1, 3, 1))), "rank 3, 4 or 5"),
    (dict(inputs=np.zeros((1, 4, 4, 3)), kernel=np.zeros((2, 2, 2, 2))), "multiple"),
    (dict(inputs=np.zeros((1, 2, 2, 1)), kernel=np.zeros((3, 3, 1, 1))), "does not fit"),
    (dict(inputs=np.zeros((1, 5, 5, 1)), kernel=np.zeros((3, 3, 1, 1)), padding="causal"), "causal"),
])
def test_conv_rejects_bad_shapes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ops.conv(**kwargs)


def test_channels_first_ops_match_channels_last():
    x, k = _rand(2, 5, 6, 3), _rand(3, 3, 3, 4)
    xf = np.transpose(x, (0, 3, 1, 2))
    last = ops.conv(x, k, 1, "same", None, 1).numpy()
    first = ops.conv(xf, k, padding="same", data_format="channels_first").numpy()
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last, rtol=1e-12)
    check_gradients(lambda a, b: ops.conv_transpose(a, b, strides=2, data_format="channels_first"),
                    _rand(1, 2, 3, 2), _rand(2, 2, 3, 2))
    with pytest.raises(ValueError, match="data_format"):
        ops.conv(x, k, data_format="NHWC")


def test_batch_chunking_gives_the_same_result(monkeypatch):
    from engine.backend.cpu import conv as kernels

    x, k = _rand(5, 6, 6, 2), _rand(3, 3, 2, 3)
    geometry = ((1, 1, 1), (1, 1, 1), (0, 1, 1))
    x3, k3 = x[:, None], k[None]
    whole = kernels.conv_forward(x3, k3, *geometry, (1, 6, 6))
    g = _rand(*whole.shape)
    whole_data = kernels.conv_backward_data(g, k3, (1, 6, 6), *geometry)
    whole_filter = kernels.conv_backward_filter(x3, g, k3.shape, *geometry)
    monkeypatch.setattr(kernels, "PART_COLUMN_BYTES", 1)  # one sample per part
    assert sum(len(parts) for parts in kernels._plan(5, (1, 6, 6), k3.shape, 2, 3, 8)) == 5
    np.testing.assert_allclose(kernels.conv_forward(x3, k3, *geometry, (1, 6, 6)), whole, rtol=1e-12)
    np.testing.assert_allclose(kernels.conv_backward_data(g, k3, (1, 6, 6), *geometry), whole_data, rtol=1e-12)
    np.testing.assert_allclose(kernels.conv_backward_filter(x3, g, k3.shape, *geometry), whole_filter, rtol=1e-12)
