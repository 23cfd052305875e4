"""The benchmark registry builds the same models in both frameworks (the timings are not tested)."""

import numpy as np

from bench.workloads import REGISTRY, Workload, register


def test_w1_models_match_in_size_and_train_one_batch():
    workload = REGISTRY["W1"]
    assert workload.missing_layers() == []
    model = workload.build_ours()
    module = workload.build_torch()
    assert model.count_params() == sum(p.numel() for p in module.parameters()) == 64 * 128 + 128 + 128 * 128 + 128 + 1290
    x, y = workload.data()
    assert x.shape == (2048, 64) and y.max() < 10
    loss = model.train_on_batch(x[:64], y[:64])
    assert np.isfinite(np.asarray(loss, dtype=float)).all()


def test_registry_reports_missing_layers():
    fake = Workload("WX", "needs a layer nobody wrote", 4, (3,), ("Dense", "NoSuchLayer"), None, None)
    assert fake.missing_layers() == ["NoSuchLayer"]
    register(fake)
    try:
        assert REGISTRY["WX"] is fake
    finally:
        REGISTRY.pop("WX")
    assert {"W1", "W2", "W3", "W4", "W5"} <= set(REGISTRY)


def test_residual_workloads_match_their_torch_twins_and_train_one_batch():
    import torch

    for name in ("W6", "W7"):
        workload = REGISTRY[name]
        assert workload.missing_layers() == []
        model, module = workload.build_ours(), workload.build_torch()
        assert model.count_params() - sum(int(np.prod(v.shape)) for v in model.non_trainable_weights) == \
            sum(p.numel() for p in module.parameters()), name
        x, y = workload.data()
        assert x.shape == (512, 32, 32, 3)
        assert tuple(module(torch.from_numpy(x[:2])).shape) == (2, 10)
        loss = model.train_on_batch(x[:8], y[:8])
        assert np.isfinite(np.asarray(loss, dtype=float)).all()


def test_roofline_counts_the_im2col_gemms_of_w2():
    from bench.roofline import Gemm, gemms_of, roofline

    gemms = gemms_of(REGISTRY["W2"])
    assert gemms == [Gemm(1, 64 * 26 * 26, 9, 32, data_grad=False), Gemm(1, 64 * 11 * 11, 288, 64),
                     Gemm(1, 64, 1600, 10)]
    assert gemms[0].flops == 2 * 2 * 64 * 676 * 9 * 32 and gemms[1].flops == 3 * 2 * 7744 * 288 * 64
    result = roofline(REGISTRY["W2"], {"ours": 2.0, "torch": 1.0})
    per_epoch = 8 * sum(g.flops for g in gemms) / 1e9
    assert result["gflop_per_epoch"] == per_epoch
    assert result["ours_gflops"] == per_epoch / 2 and result["torch_fraction"] == 2 * result["ours_fraction"] > 0


def test_roofline_counts_groups_and_recurrent_steps():
    from bench.roofline import gemms_of

    depthwise = [g for g in gemms_of(REGISTRY["W7"]) if g.groups > 1]
    assert [(g.groups, g.k, g.n) for g in depthwise] == [(96, 9, 1), (96, 9, 1), (144, 9, 1)]
    lstm = gemms_of(REGISTRY["W3"])
    assert (lstm[1].m, lstm[1].k, lstm[1].n, lstm[1].count) == (64, 128, 512, 50)

def test_first_batch_probes_a_cold_then_warm_cache_and_a_separate_shipped_one(monkeypatch):
    from bench import first_batch

    calls = []

    def probe(name, threads, env):
        calls.append(dict(env))
        return {"seconds": 0.5, "process": 1.5}

    monkeypatch.setattr(first_batch, "_probe", probe)
    results = first_batch.measure("W1")
    cold, warm, shipped = calls
    assert cold == warm and cold["STRATA_NO_SHIPPED_KERNELS"] == "1"  # warm: the cold run's own cache again
    assert shipped["STRATA_NO_SHIPPED_KERNELS"] == "0" and shipped["NUMBA_CACHE_DIR"] != cold["NUMBA_CACHE_DIR"]
    assert set(results) == set(first_batch.STATES)
    assert first_batch.cell(results["warm"]) == "0.50 (1.5)" and first_batch.cell({"error": "x"}) == "error"
