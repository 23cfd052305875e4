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
