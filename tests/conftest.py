"""Suite-wide settings: offscreen Qt, Keras on the torch backend, fresh names per test."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")
# CUDA kernels run in numba's simulator unless a real GPU run asks otherwise
# (bench/gpu.sh sets NUMBA_ENABLE_CUDASIM=0). Must be set before numba is imported.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_layer_names():
    from engine.layers.layer import clear_session

    clear_session()
    yield
