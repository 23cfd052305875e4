"""Layers with fused CPU kernels stay on the CUDA backend (numba simulator) and match the CPU."""

import numpy as np
import pytest

from engine import keras
from engine.autodiff import GradientTape, Tensor
from engine.backend.cuda.device_array import DeviceArray

L = keras.layers


@pytest.mark.parametrize("make", [
    lambda: L.Dense(3, activation="relu"),
    lambda: L.BatchNormalization(),
    lambda: L.LayerNormalization(),
    lambda: L.GroupNormalization(groups=2),
])
@pytest.mark.parametrize("training", [False, True])
def test_layer_on_cuda_matches_cpu(make, training):
    x = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    cpu = make()
    cpu(x)
    weights = [w + 0.1 for w in cpu.get_weights()]
    cpu.set_weights(weights)
    with keras.device("cuda"):
        gpu = make()
        gpu(x)
        gpu.set_weights(weights)
        xt = Tensor(x)
        with GradientTape() as tape:
            out = gpu(xt, training=training)
        grads = tape.gradient(out, gpu.trainable_weights)
    assert isinstance(out.data, DeviceArray)
    with GradientTape() as tape:
        expected = cpu(Tensor(x), training=training)
    cpu_grads = tape.gradient(expected, cpu.trainable_weights)
    np.testing.assert_allclose(np.asarray(out), expected.numpy(), rtol=1e-4, atol=1e-5)
    for g, c in zip(grads, cpu_grads):
        np.testing.assert_allclose(np.asarray(g), c.numpy(), rtol=1e-4, atol=1e-5)
    for g, c in zip(gpu.weights, cpu.weights):
        assert isinstance(g.data, DeviceArray)
        np.testing.assert_allclose(np.asarray(g), c.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_on_cuda():
    with keras.device("cuda"):
        layer = L.Embedding(5, 2)
        out = layer(np.array([[1, 4]]))
    assert isinstance(out.data, DeviceArray)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(layer.embeddings)[[[1, 4]]])
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        with keras.device("cuda"):
            layer(np.array([[5]]))
