"""The fast recurrent paths agree with the reference ones.

float32 runs the SIMD step kernels (rnn32 / act32), float64 the generic libm kernels that
the gradient checks cover; batch rows are split over threads (parallel.over_rows) and the
step GEMMs run on single-threaded BLAS (blas.single_threaded).
"""

import numpy as np
import pytest

from engine import ops
from engine.backend.cpu import act32, parallel
from engine.backend.cpu.rnn_steps import ACTIVATION_CODES, act_value, dact_value

B, T, F, U = 20, 5, 3, 6  # 20 rows: split over 2 threads of 10 rows each


def _inputs(rng, gates, bias_shape):
    x = rng.normal(size=(B, T, F))
    h0 = rng.normal(size=(B, U)) * 0.5
    k = rng.normal(size=(F, gates * U)) * 0.5
    rk = rng.normal(size=(U, gates * U)) * 0.5
    b = rng.normal(size=bias_shape) * 0.5
    mask = rng.uniform(size=(B, T)) > 0.3
    rmask = rng.uniform(0.5, 1.5, size=(B, U))
    return x, h0, k, rk, b, mask, rmask


def _run(kind, arrays, dtype, acts, reset_after=True, go_backwards=False, use_rmask=True):
    """Outputs and gradients (upstream: fixed random weights) of one recurrent op."""
    from engine import tf

    x, h0, k, rk, b, mask, rmask = arrays
    tensors = [tf.Variable(np.asarray(a, dtype)) for a in (x, h0, k, rk, b)]
    upstream_rng = np.random.default_rng(7)
    extra = dict(mask=mask, recurrent_mask=rmask.astype(dtype) if use_rmask else None, go_backwards=go_backwards)
    with tf.GradientTape() as tape:
        if kind == "simple":
            out = ops.simple_rnn_sequence(*tensors, activation=acts[0], **extra)
        elif kind == "lstm":
            xv, hv, kv, rkv, bv = tensors
            out = ops.lstm_sequence(xv, hv, hv * 0.5, kv, rkv, bv, activation=acts[0], recurrent_activation=acts[1],
                                    **extra)
        else:
            out = ops.gru_sequence(*tensors, activation=acts[0], recurrent_activation=acts[1], reset_after=reset_after,
                                   **extra)
        weights = upstream_rng.normal(size=out.shape).astype(dtype)
        loss = tf.reduce_sum(out * weights)
    grads = tape.gradient(loss, tensors)
    return [out.numpy()] + [g.numpy() for g in grads]


NAMES = list(ACTIVATION_CODES)


@pytest.mark.parametrize("act", NAMES)
def test_act_row_matches_the_scalar_activation(act):
    code = ACTIVATION_CODES[act]
    rng = np.random.default_rng(code)
    x = np.concatenate([rng.normal(size=300) * 4, rng.normal(size=50) * 1e-3, [0.0, -0.0, 0.6249, -0.6251, 30.0, -30.0,
                                                                               100.0, -100.0, 1e4, -1e4]])
    x = x.astype(np.float32)
    row = x.copy()
    act32.act_row(code, row)
    expected = np.array([act_value(code, float(v)) for v in x])
    assert np.all(np.isfinite(row))
    np.testing.assert_allclose(row, expected, rtol=4e-7, atol=1e-7)
    # derivatives from the output, in float32 arithmetic
    got = np.array([act32.dact(code, np.float32(y)) for y in row])
    want = np.array([dact_value(code, float(y)) for y in row])
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-7)


CASES = [("simple", (a,), True) for a in NAMES] + \
        [("lstm", (a, r), True) for a, r in [("tanh", "sigmoid"), ("relu", "hard_sigmoid"), ("elu", "softsign"),
                                             ("relu6", "linear")]] + \
        [("gru", (a, r), ra) for a, r in [("tanh", "sigmoid"), ("softsign", "hard_sigmoid")] for ra in (True, False)]


@pytest.mark.parametrize("kind,acts,reset_after", CASES)
def test_float32_kernels_match_float64(kind, acts, reset_after):
    gates = {"simple": 1, "lstm": 4, "gru": 3}[kind]
    bias_shape = (2, 3 * U) if kind == "gru" and reset_after else (gates * U,)
    arrays = _inputs(np.random.default_rng(1), gates, bias_shape)
    fast = _run(kind, arrays, np.float32, acts, reset_after)
    reference = _run(kind, arrays, np.float64, acts, reset_after)
    for got, want in zip(fast, reference):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True), ("gru", True), ("gru", False)])
@pytest.mark.parametrize("batch,units", [(1, 17), (7, 33), (13, 1), (5, 8)])
def test_packed_step_gemms_match_float64_on_odd_batches_and_units(kind, reset_after, batch, units):
    """The float32 loops' packed GEMMs: units that are not a whole panel (17, 33: padded
    columns), a single unit, batches of one row and of a partial register tile, with a mask,
    recurrent dropout and go_backwards, against the float64 reference kernels."""
    gates = {"simple": 1, "lstm": 4, "gru": 3}[kind]
    rng = np.random.default_rng(batch * 100 + units)
    arrays = (rng.normal(size=(batch, T, F)), rng.normal(size=(batch, units)) * 0.5,
              rng.normal(size=(F, gates * units)) * 0.5, rng.normal(size=(units, gates * units)) * 0.5,
              rng.normal(size=(2, 3 * units) if kind == "gru" and reset_after else (gates * units,)) * 0.5,
              rng.uniform(size=(batch, T)) > 0.3, rng.uniform(0.5, 1.5, size=(batch, units)))
    acts = ("tanh", "sigmoid")
    fast = _run(kind, arrays, np.float32, acts, reset_after, go_backwards=True)
    reference = _run(kind, arrays, np.float64, acts, reset_after, go_backwards=True)
    for got, want in zip(fast, reference):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("use_rmask", [True, False])
def test_rows_split_over_threads_give_identical_results(kind, dtype, use_rmask):
    gates = {"simple": 1, "lstm": 4, "gru": 3}[kind]
    arrays = _inputs(np.random.default_rng(2), gates, (2, 3 * U) if kind == "gru" else (gates * U,))
    acts = ("tanh", "sigmoid")
    assert len(parallel.row_slices(B, 2)) == 2
    parallel.set_threads(2)
    try:
        split = _run(kind, arrays, dtype, acts, go_backwards=True, use_rmask=use_rmask)
        parallel.set_threads(1)
        serial = _run(kind, arrays, dtype, acts, go_backwards=True, use_rmask=use_rmask)
    finally:
        parallel.set_threads(None)
    for a, b in zip(split, serial):
        np.testing.assert_array_equal(a, b)


def test_row_slices_cover_the_batch_once():
    for batch in (1, 7, 8, 16, 17, 64, 65):
        for count in (1, 2, 3, 8):
            slices = parallel.row_slices(batch, count)
            covered = np.concatenate([np.arange(batch)[s] for s in slices])
            np.testing.assert_array_equal(covered, np.arange(batch))
            assert len(slices) == 1 or all(s.stop - s.start >= parallel.MIN_ROWS_PER_THREAD for s in slices)


def test_over_rows_reraises_a_worker_error_after_all_rows_ran():
    seen = []

    def work(rows):
        seen.append(rows.start)
        if rows.start > 0:
            raise RuntimeError(f"rows {rows}")

    parallel.set_threads(2)
    try:
        with pytest.raises(RuntimeError, match="rows"):
            parallel.over_rows(work, 32)
    finally:
        parallel.set_threads(None)
    assert sorted(seen) == [0, 16]


def test_set_threads_rejects_bad_counts():
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="set_threads"):
            parallel.set_threads(bad)


# --- packed step GEMM, whole-sequence GEMMs and the backend's array contract -----------------

@pytest.mark.parametrize("m", [1, 2, 5, 6, 7, 8, 9, 13, 15, 32])
@pytest.mark.parametrize("k,n", [(1, 1), (5, 7), (17, 16), (6, 33), (128, 512)])
def test_packed_gemm_matches_numpy_on_odd_shapes_row_views_and_accumulates(m, k, n):
    from engine.backend.cpu.packed_gemm import gemm, pack, padded_columns

    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    big_a = rng.normal(size=(2, m + 3, k + 2)).astype(np.float32)
    a = big_a[1, 2:2 + m, 1:1 + k]  # rows of a larger array: row stride k + 2
    b = rng.normal(size=(k, n)).astype(np.float32)
    packed = pack(b)
    assert packed.shape == (padded_columns(n) // 16, k, 16)
    big_c = np.full((m + 1, padded_columns(n) + 5), np.nan, np.float32)
    c = big_c[1:, 2:]  # a row view with a longer row stride
    gemm(a, packed, c, False)
    want = a.astype(np.float64) @ b
    np.testing.assert_allclose(c[:, :n], want, rtol=1e-5, atol=1e-4)
    assert not c[:, n:padded_columns(n)].any()  # the padding columns get zeros
    assert np.isnan(big_c[0]).all() and np.isnan(c[:, padded_columns(n):]).all()  # nothing else is written
    gemm(a, packed, c, True)
    np.testing.assert_allclose(c[:, :n], 2 * want, rtol=1e-5, atol=2e-4)


@pytest.mark.parametrize("k,n", [(1, 1), (5, 7), (17, 16), (6, 33), (512, 128)])
def test_pack_view_packs_any_view_like_pack(k, n):
    """One strided copy gives the panels of `pack` for contiguous, transposed and sliced views."""
    from engine.backend.cpu.packed_gemm import pack, pack_view

    rng = np.random.default_rng(k * 100 + n)
    b = rng.normal(size=(k, n)).astype(np.float32)
    transposed = np.ascontiguousarray(b.T).T  # same values, Fortran order
    sliced = np.pad(b, ((1, 2), (3, 1)))[1:1 + k, 3:3 + n]
    for view in (b, transposed, sliced):
        np.testing.assert_array_equal(pack_view(view), pack(np.ascontiguousarray(view)))
        assert pack_view(view).flags.c_contiguous


def test_packed_gemm_rejects_mismatched_shapes():
    from engine.backend.cpu.packed_gemm import gemm, pack

    packed = pack(np.ones((4, 20), np.float32))
    with pytest.raises(ValueError, match="shapes"):
        gemm(np.ones((3, 5), np.float32), packed, np.zeros((3, 32), np.float32), False)
    with pytest.raises(ValueError, match="shapes"):
        gemm(np.ones((3, 4), np.float32), packed, np.zeros((3, 20), np.float32), False)  # c narrower than 2 panels


def test_split_sequence_gemms_match_numpy(monkeypatch):
    from engine.backend.cpu import rnn_gemm

    monkeypatch.setattr(rnn_gemm, "MIN_MACS_PER_THREAD", 1)  # split even these small shapes
    rng = np.random.default_rng(4)
    a = rng.normal(size=(37, 6))
    b = rng.normal(size=(37, 9))
    kernel = rng.normal(size=(6, 9))
    bias = rng.normal(size=9)
    parallel.set_threads(3)
    try:
        product, sums = rnn_gemm.gradient_tn(a, b, column_sums=True)
        projected = rnn_gemm.project(a, kernel, bias)
    finally:
        parallel.set_threads(None)
    np.testing.assert_allclose(product, a.T @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sums, b.sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(projected, a @ kernel + bias, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backend_lstm_fills_out_zeroes_skipped_steps_and_takes_any_gradient_layout(dtype):
    from engine.backend.cpu import rnn

    rng = np.random.default_rng(5)
    T, Bs, Us = 4, 18, 3
    xw = rng.normal(size=(T, Bs, 4 * Us)).astype(dtype)
    h0 = rng.normal(size=(Bs, Us)).astype(dtype)
    rk = (rng.normal(size=(Us, 4 * Us)) * 0.5).astype(dtype)
    mask = (rng.uniform(size=(T, Bs)) > 0.4).astype(np.uint8)
    rmask = np.ones((Bs, Us), dtype)
    out = np.full((2, Bs, T, Us), np.nan, dtype)
    hs, cs, gates = rnn.lstm_forward(xw, h0, h0, rk, mask, rmask, 1, 2, out=out)
    np.testing.assert_array_equal(out[0], np.swapaxes(hs[1:], 0, 1))
    np.testing.assert_array_equal(out[1], np.swapaxes(cs[1:], 0, 1))
    assert not gates[mask == 0].any()
    g = rng.normal(size=(Bs, T, Us)).astype(dtype)
    view = rnn.lstm_backward(np.swapaxes(g, 0, 1), np.swapaxes(g, 0, 1) * 0, cs, gates, np.ascontiguousarray(rk.T),
                             mask, rmask, 1, 2)
    copy = rnn.lstm_backward(np.ascontiguousarray(np.swapaxes(g, 0, 1)), np.zeros((T, Bs, Us), dtype), cs, gates,
                             np.ascontiguousarray(rk.T), mask, rmask, 1, 2)
    for a, b in zip(view, copy):
        np.testing.assert_array_equal(a, b)
    assert not view[0][mask == 0].any()
    with pytest.raises(ValueError, match="out must be"):
        rnn.lstm_forward(xw, h0, h0, rk, mask, rmask, 1, 2, out=np.empty((2, Bs, T + 1, Us), dtype))


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weight_gradients_are_the_same_when_the_input_needs_no_gradient(kind, dtype, monkeypatch):
    """The ops skip the input gradient GEMM when x is a constant (the first layer of a
    model); the weight and state gradients must not change."""
    from engine import tf
    from engine.autodiff.tensor import Tensor
    from engine.ops import rnn as rnn_ops

    input_gemms = []
    original = rnn_ops._input_gradient
    monkeypatch.setattr(rnn_ops, "_input_gradient", lambda *a: input_gemms.append(1) or original(*a))

    gates = {"simple": 1, "lstm": 4, "gru": 3}[kind]
    x, h0, k, rk, b, mask, rmask = _inputs(np.random.default_rng(6), gates, (2, 3 * U) if kind == "gru" else (gates * U,))
    weights = np.random.default_rng(8).normal(size=(B, T, U)).astype(dtype)

    def grads(x_tensor):
        variables = [tf.Variable(np.asarray(a, dtype)) for a in (h0, k, rk, b)]
        h, kv, rkv, bv = variables
        with tf.GradientTape() as tape:
            if kind == "simple":
                out = ops.simple_rnn_sequence(x_tensor, h, kv, rkv, bv, mask=mask, go_backwards=True)
            elif kind == "lstm":
                out = ops.lstm_sequence(x_tensor, h, h * 0.5, kv, rkv, bv, mask=mask, go_backwards=True)[0]
            else:
                out = ops.gru_sequence(x_tensor, h, kv, rkv, bv, mask=mask, go_backwards=True)
            loss = tf.reduce_sum(out * weights)
        sources = variables + ([x_tensor] if isinstance(x_tensor, tf.Variable) else [])
        return [g.numpy() for g in tape.gradient(loss, sources)]

    constant = grads(Tensor(np.asarray(x, dtype)))
    assert not input_gemms
    watched = grads(tf.Variable(np.asarray(x, dtype)))
    assert len(input_gemms) == 1
    assert len(watched) == 5 and watched[-1].shape == x.shape and np.abs(watched[-1]).sum() > 0
    for a, b_ in zip(constant, watched[:4]):
        np.testing.assert_array_equal(a, b_)


@pytest.mark.parametrize("batch,units,features", [(1, 17, 3), (13, 5, 1), (20, 16, 7), (7, 4, 2)])
@pytest.mark.parametrize("with_bias,plain", [(True, False), (False, True)])
def test_lstm_forward_xh_matches_the_projected_loop_and_keeps_its_gemm_rows(batch, units, features, with_bias,
                                                                            plain):
    """The single-GEMM float32 LSTM loop gives the states and gates of the projected loop,
    and xh holds [x_t | 1 | h_{t-1} * rmask] for every step (the weight gradients' GEMM
    rows). 4 units: gate rows of whole panels, which the GEMM writes directly; 5 and 17:
    through the scratch rows."""
    from engine.backend.cpu import rnn

    rng = np.random.default_rng(batch + units)
    steps = 6
    xt = rng.normal(size=(batch, steps, features)).astype(np.float32).swapaxes(0, 1)  # a strided view
    kernel = (rng.normal(size=(features, 4 * units)) * 0.5).astype(np.float32)
    rkernel = (rng.normal(size=(units, 4 * units)) * 0.5).astype(np.float32)
    bias = (rng.normal(size=4 * units) * 0.5).astype(np.float32) if with_bias else None
    h0 = rng.normal(size=(batch, units)).astype(np.float32)
    c0 = rng.normal(size=(batch, units)).astype(np.float32)
    mask = (rng.uniform(size=(steps, batch)) > 0.3).astype(np.uint8)
    rmask = np.ones((batch, units), np.float32) if plain else rng.uniform(0.5, 1.5, (batch, units)).astype(np.float32)
    out = np.full((2, batch, steps, units), np.nan, np.float32)
    xh, hs, cs, gates = rnn.lstm_forward_xh(xt, kernel, rkernel, bias, h0, c0, mask, rmask, 1, 2, out=out)
    xw = np.ascontiguousarray(xt) @ kernel + (0 if bias is None else bias)
    want_out = np.empty_like(out)
    want_hs, want_cs, want_gates = rnn.lstm_forward(np.ascontiguousarray(xw, np.float32), h0, c0, rkernel, mask,
                                                    rmask, 1, 2, out=want_out)
    for got, want in ((out, want_out), (hs, want_hs), (cs, want_cs), (gates, want_gates)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(xh[..., :features], xt)
    np.testing.assert_array_equal(xh[..., features], 1.0)
    np.testing.assert_allclose(xh[..., features + 1:], hs[:-1] * rmask, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="float32"):
        rnn.lstm_forward_xh(xt.astype(np.float64), kernel, rkernel, bias, h0, c0, mask, rmask, 1, 2)
