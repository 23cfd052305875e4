"""The Winograd convolution (`engine/backend/cpu/conv_winograd.py`) against float64 references.

3x3 stride-1 float32 convs with 16+ input channels (multiples of 8) take the F(4x4, 3x3) kernels
for the forward pass, the data gradient and (on grids that suit the tiles) the filter gradient.
The kernels are checked directly against a float64 direct convolution on odd geometries (grids that are no multiple of the tile, batch
1, padding 0/1/2, widths past one 16-wide panel, images small enough that several samples share
a chunk and large enough that one sample takes several); through the ops, the float32 values
and gradients must match the float64 general path, which test_conv_ops checks against central
differences.
"""

import numpy as np
import pytest

from engine import ops
from engine.autodiff import GradientTape, Tensor
from engine.backend.cpu import conv as kernels
from engine.backend.cpu import conv_winograd
from tests.engine.test_conv_implicit import _values_and_grads

RNG = np.random.default_rng(7)

# float32 error of the transforms relative to the largest output (measured 2-5e-6)
TOLERANCE = 3e-5


def _direct(x, k, ph, pw, oh, ow):
    """float64 3x3 conv of x (n, h, w, C) padded by ph rows above and pw cells left (zeros elsewhere)."""
    n, h, w, c = x.shape
    padded = np.zeros((n, oh + 2, ow + 2, c))
    rows, cells = min(h, oh + 2 - ph), min(w, ow + 2 - pw)
    padded[:, ph:ph + rows, pw:pw + cells] = x[:, :rows, :cells]
    out = np.zeros((n, oh, ow, k.shape[3]))
    for a in range(3):
        for b in range(3):
            out += padded[:, a:a + oh, b:b + ow] @ k[a, b].astype(np.float64)
    return out


def _direct_filter_grad(x, dz, ph, pw):
    n, oh, ow, f = dz.shape
    padded = np.zeros((n, oh + 2, ow + 2, x.shape[3]))
    rows, cells = min(x.shape[1], oh + 2 - ph), min(x.shape[2], ow + 2 - pw)
    padded[:, ph:ph + rows, pw:pw + cells] = x[:, :rows, :cells]
    dk = np.zeros((3, 3, x.shape[3], f))
    for a in range(3):
        for b in range(3):
            dk[a, b] = np.einsum("nyxc,nyxf->cf", padded[:, a:a + oh, b:b + ow], dz.astype(np.float64))
    return dk


def _assert_close(got, want):
    scale = float(np.abs(want).max())
    assert np.abs(got - want).max() <= TOLERANCE * scale, (np.abs(got - want).max(), scale)


# (x shape, out channels, ph, pw, output size)
GEOMETRIES = [
    ((2, 8, 8, 16), 16, 1, 1, (8, 8)),
    ((3, 7, 9, 8), 24, 1, 1, (7, 9)),  # grid no multiple of either tile
    ((2, 9, 9, 16), 40, 0, 0, (7, 7)),  # valid padding, width past one panel, not a whole panel
    ((1, 5, 6, 8), 8, 1, 1, (5, 6)),
    ((2, 6, 5, 24), 8, 2, 0, (5, 4)),  # padding 2 (a data gradient's), output narrower than the input
    ((9, 4, 4, 16), 16, 1, 1, (4, 4)),  # several samples per chunk, the last chunk short
    ((1, 34, 30, 8), 16, 1, 1, (34, 30)),  # several chunks per sample, the last one short
    ((2, 13, 11, 32), 64, 0, 0, (11, 9)),
]


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_kernels_match_a_float64_direct_convolution(geometry):
    x_shape, f, ph, pw, (oh, ow) = geometry
    x = RNG.normal(size=x_shape).astype(np.float32)
    k = RNG.normal(size=(3, 3, x_shape[-1], f)).astype(np.float32)
    out = np.full((x_shape[0], oh, ow, f), np.nan, dtype=np.float32)
    conv_winograd.winograd_conv(x, conv_winograd.transform_kernel(k), ph, pw, out)
    _assert_close(out, _direct(x, k, ph, pw, oh, ow))
    dz = RNG.normal(size=out.shape).astype(np.float32)
    dk = np.full(k.shape, np.nan, dtype=np.float32)
    conv_winograd.winograd_filter_grad(x, dz, ph, pw, dk)
    _assert_close(dk, _direct_filter_grad(x, dz, ph, pw))


def test_the_transform_matrices_are_an_exact_convolution():
    """y = A^T [(G g G^T) * (B^T d B)] A in float64 equals the direct 3x3 sum of the tile."""
    b_t, g_matrix, a_t = conv_winograd.MATRICES
    m = conv_winograd.TILE
    d = RNG.normal(size=(m + 2, m + 2))
    g = RNG.normal(size=(3, 3))
    y = a_t @ ((g_matrix @ g @ g_matrix.T) * (b_t @ d @ b_t.T)) @ a_t.T
    want = np.array([[np.sum(d[i:i + 3, j:j + 3] * g) for j in range(m)] for i in range(m)])
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)


def _record_calls(monkeypatch):
    calls = []
    for name in ("winograd_conv", "winograd_filter_grad"):
        original = getattr(conv_winograd, name)
        monkeypatch.setattr(conv_winograd, name, lambda *a, n=name, f=original: calls.append(n) or f(*a))
    return calls


# (x shape, kernel shape, padding, activation)
OPS = [
    ((2, 12, 12, 16), (3, 3, 16, 16), "same", "relu"),
    ((1, 10, 18, 24), (3, 3, 24, 32), "valid", "tanh"),
    ((3, 16, 8, 32), (3, 3, 32, 16), "same", "linear"),
]


@pytest.mark.parametrize("geometry", OPS)
def test_float32_winograd_gradients_match_the_float64_general_path(monkeypatch, geometry):
    calls = _record_calls(monkeypatch)
    x_shape, k_shape, padding, activation = geometry
    x, k, b = RNG.normal(size=x_shape), RNG.normal(size=k_shape), RNG.normal(size=k_shape[-1])
    fn = lambda a, w, c: ops.conv_bias_activation(a, w, c, activation, padding=padding)  # noqa: E731
    got = _values_and_grads(fn, *(a.astype(np.float32) for a in (x, k, b)))
    assert calls.count("winograd_conv") == 2 and calls.count("winograd_filter_grad") == 1
    want = _values_and_grads(fn, x, k, b)
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(w).max())))


def test_conv_transpose_takes_winograd_for_its_forward_pass(monkeypatch):
    """A 3x3 stride-1 transposed conv is the conv's data gradient."""
    calls = _record_calls(monkeypatch)
    x = RNG.normal(size=(2, 8, 8, 16))
    k = RNG.normal(size=(3, 3, 8, 16))  # (kh, kw, out, in) for conv_transpose
    got = ops.conv_transpose(Tensor(x.astype(np.float32)), Tensor(k.astype(np.float32)), padding="same").numpy()
    want = ops.conv_transpose(Tensor(x), Tensor(k), padding="same").numpy()
    assert calls == ["winograd_conv"]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * float(np.abs(want).max()))


@pytest.mark.parametrize("case", [
    dict(x=(2, 8, 8, 8), k=(3, 3, 8, 8)),  # too shallow both ways (8 channels)
    dict(x=(2, 8, 8, 20), k=(3, 3, 20, 16)),  # channels no multiple of 8
    dict(x=(2, 8, 8, 16), k=(3, 3, 16, 12)),
    dict(x=(2, 8, 8, 16), k=(5, 5, 16, 16)),
    dict(x=(2, 8, 8, 16), k=(3, 3, 16, 16), strides=2),
    dict(x=(2, 8, 8, 16), k=(3, 3, 16, 16), dilation_rate=2),
    dict(x=(2, 8, 8, 16), k=(3, 3, 16, 16), dtype=np.float64),
    dict(x=(2, 12, 16), k=(3, 16, 16)),  # 1-D
])
def test_other_convs_do_not_take_winograd(monkeypatch, case):
    calls = _record_calls(monkeypatch)
    case = dict(case)
    dtype = case.pop("dtype", np.float32)
    x = Tensor(RNG.normal(size=case.pop("x")).astype(dtype))
    k = Tensor(RNG.normal(size=case.pop("k")).astype(dtype))
    with GradientTape() as tape:
        tape.watch(x)
        tape.watch(k)
        loss = ops.reduce_sum(ops.conv(x, k, padding="same", **case))
    assert all(g is not None for g in tape.gradient(loss, [x, k]))
    assert calls == []


def test_a_small_output_keeps_the_implicit_filter_gradient(monkeypatch):
    """A 7x7 output in 4x4 tiles would compute 64 cells for 49: only its filter gradient stays on the
    implicit GEMM; forward and data gradient still take Winograd."""
    calls = _record_calls(monkeypatch)
    x = Tensor(RNG.normal(size=(2, 7, 7, 16)).astype(np.float32))
    k = Tensor(RNG.normal(size=(3, 3, 16, 16)).astype(np.float32))
    with GradientTape() as tape:
        tape.watch(x)
        tape.watch(k)
        loss = ops.reduce_sum(ops.conv(x, k, padding="same"))
    tape.gradient(loss, [x, k])
    assert calls == ["winograd_conv", "winograd_conv"]


def test_winograd_off_gives_the_same_numbers(monkeypatch):
    x = RNG.normal(size=(2, 12, 12, 16)).astype(np.float32)
    k = RNG.normal(size=(3, 3, 16, 24)).astype(np.float32)
    fn = lambda a, w: ops.conv(a, w, padding="same")  # noqa: E731
    on = _values_and_grads(fn, x, k)
    monkeypatch.setattr(kernels, "WINOGRAD", False)
    off = _values_and_grads(fn, x, k)
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * float(np.abs(b).max()))


def test_fused_conv_relu_pool_takes_winograd(monkeypatch):
    from engine.ops.conv_pool import conv_relu_max_pool

    calls = _record_calls(monkeypatch)
    x, k, b = RNG.normal(size=(2, 12, 12, 16)), RNG.normal(size=(3, 3, 16, 16)), RNG.normal(size=16)
    fn = lambda a, w, c: conv_relu_max_pool(a, w, c, padding="same", pool_size=2)  # noqa: E731
    got = _values_and_grads(fn, *(a.astype(np.float32) for a in (x, k, b)))
    assert sorted(calls) == ["winograd_conv", "winograd_conv", "winograd_filter_grad"]
    want = _values_and_grads(fn, x, k, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(w).max())))
