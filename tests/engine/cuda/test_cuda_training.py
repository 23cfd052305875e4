"""A whole training step on the CUDA backend equals the CPU backend (simulator)."""

import numpy as np
import pytest

from engine import keras
from engine.backend.cuda import CudaUnavailable, stats
from engine.backend.cuda.device_array import DeviceArray


def _mlp():
    return keras.Sequential([keras.Input((5,)), keras.layers.Dense(7, activation="relu"),
                             keras.layers.Dense(3)])


def test_training_on_cuda_matches_cpu():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5)).astype("float32")
    y = rng.integers(0, 3, size=8)
    cpu = _mlp()
    weights = cpu.get_weights()
    cpu.compile(optimizer=keras.optimizers.Adam(0.01),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with keras.device("cuda"):
        gpu = _mlp()
        gpu.set_weights(weights)
        gpu.compile(optimizer=keras.optimizers.Adam(0.01),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert all(isinstance(v.data, DeviceArray) for v in gpu.weights)
    cpu_logs = cpu.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    gpu_logs = gpu.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(gpu_logs["loss"], cpu_logs["loss"], rtol=1e-5)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gpu.predict(x, verbose=0), cpu.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


def test_weights_stay_on_the_gpu_during_a_step():
    with keras.device("cuda"):
        model = _mlp()
        model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 5), dtype="float32")
    y = np.zeros((4, 3), dtype="float32")
    model.train_on_batch(x, y)
    stats.reset()
    model.train_on_batch(x, y)
    counts = stats.snapshot()
    weight_bytes = sum(v.data.nbytes for v in model.weights)
    # The batch goes in and the logs come out; no weight ever makes the round trip.
    assert counts["bytes_to_device"] < weight_bytes
    assert all(isinstance(v.data, DeviceArray) for v in model.weights)


def test_missing_cuda_is_a_clear_error(monkeypatch):
    from numba import cuda

    from engine import backend

    monkeypatch.setattr(cuda, "is_available", lambda: False)
    monkeypatch.delitem(backend._registry, "cuda", raising=False)
    with pytest.raises(CudaUnavailable, match="no CUDA driver or GPU was found"):
        with keras.device("cuda"):
            pass


def _cnn():
    return keras.Sequential([keras.Input((5, 5, 1)), keras.layers.Conv2D(2, 2, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(3, 2, padding="same"),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3)])


def _twin(build, loss, optimizer):
    """A CPU model and a CUDA model with the same weights, both compiled."""
    cpu = build()
    weights = cpu.get_weights()
    cpu.compile(optimizer=optimizer(), loss=loss())
    with keras.device("cuda"):
        gpu = build()
        gpu.set_weights(weights)
        gpu.compile(optimizer=optimizer(), loss=loss())
    return cpu, gpu


def test_cnn_training_on_cuda_matches_cpu():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 5, 1)).astype("float32")
    y = rng.integers(0, 3, size=2)
    cpu, gpu = _twin(_cnn, lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                     lambda: keras.optimizers.Adam(0.05))
    cpu_logs = cpu.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    gpu_logs = gpu.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(gpu_logs["loss"], cpu_logs["loss"], rtol=1e-5)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("build, x_shape", [(_mlp, (4, 5)), (_cnn, (1, 5, 5, 1))])
def test_training_step_has_no_host_fallback_and_moves_only_batch_and_logs(build, x_shape):
    rng = np.random.default_rng(4)
    x = rng.normal(size=x_shape).astype("float32")
    y = rng.integers(0, 3, size=x_shape[0])
    with keras.device("cuda"):
        model = build()
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.train_on_batch(x, y)
    stats.reset()
    model.train_on_batch(x, y)
    counts = stats.snapshot()
    assert counts["fallback_names"] == {}
    # In: the batch, its labels once, and a changing optimizer scalar (the bias-corrected step).
    assert counts["bytes_to_device"] <= x.nbytes + y.astype(np.int64).nbytes + 16
    # Out: the loss and what the accuracy metric reads (predictions and labels).
    predictions = x_shape[0] * 3 * 4
    assert counts["bytes_to_host"] <= predictions + y.astype(np.int64).nbytes + 16


@pytest.mark.parametrize("cell", ["LSTM"])  # GRU kernels: test_rnn_kernels.py
def test_recurrent_training_on_cuda_matches_cpu(cell):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 2)).astype("float32")
    y = rng.integers(0, 3, size=2)

    def build():
        return keras.Sequential([keras.Input((3, 2)), getattr(keras.layers, cell)(3), keras.layers.Dense(3)])

    cpu, gpu = _twin(build, lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                     lambda: keras.optimizers.Adam(0.05))
    cpu_logs = cpu.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    stats.reset()
    gpu_logs = gpu.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    assert stats.snapshot()["fallback_names"] == {}
    np.testing.assert_allclose(gpu_logs["loss"], cpu_logs["loss"], rtol=1e-5)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_unavailable_reasons_name_the_cause(monkeypatch):
    import builtins

    from numba import cuda

    from engine.backend.cuda import unavailable_reason

    def broken_driver():
        raise OSError("libcuda.so: cannot open shared object file")

    monkeypatch.setattr(cuda, "is_available", broken_driver)
    assert "could not be initialised" in unavailable_reason() and "libcuda.so" in unavailable_reason()
    real_import = builtins.__import__

    def no_numba_cuda(name, *args, **kwargs):
        if name == "numba" and args and args[2] and "cuda" in args[2]:
            raise ImportError("No module named 'numba_cuda'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numba_cuda)
    reason = unavailable_reason()
    assert "numba's CUDA support could not be imported" in reason and "cuda' extra" in reason


def test_cli_device_switch_uses_the_same_error(monkeypatch):
    from numba import cuda

    from engine import backend

    monkeypatch.setattr(cuda, "is_available", lambda: False)
    monkeypatch.delitem(backend._registry, "cuda", raising=False)
    # `strata train --device cuda` enters keras.device(...) and reports RuntimeErrors as usage errors.
    with pytest.raises(RuntimeError, match="CUDA is not available: no CUDA driver"):
        keras.device("cuda").__enter__()


def test_embedding_and_normalization_training_on_cuda_matches_cpu():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 5, size=(2, 3))
    y = rng.integers(0, 3, size=2)

    def build():
        return keras.Sequential([keras.Input((3,), dtype="int32"), keras.layers.Embedding(5, 2),
                                 keras.layers.LayerNormalization(), keras.layers.Flatten(),
                                 keras.layers.BatchNormalization(), keras.layers.Dense(3)])

    cpu, gpu = _twin(build, lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                     lambda: keras.optimizers.SGD(0.1, momentum=0.9))
    cpu_logs = cpu.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    stats.reset()
    gpu_logs = gpu.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    assert stats.snapshot()["fallback_names"] == {}
    np.testing.assert_allclose(gpu_logs["loss"], cpu_logs["loss"], rtol=1e-5)
    # float32 sums run in another order on the device (the embedding gradient is a scatter of
    # atomic adds): two epochs of momentum SGD leave differences of a few 1e-6
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
