"""numpy's BLAS runs on one thread inside fit/evaluate/predict and gets its count back after."""

import numpy as np

from engine import keras
from engine.backend.cpu import blas


class _RecordThreads(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(blas.get_threads())


def test_fit_runs_single_threaded_blas_and_restores_the_count():
    assert blas.available()  # numpy's bundled OpenBLAS is found
    before = blas.get_threads()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    recorder = _RecordThreads()
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    model.fit(x, x[:, :3], batch_size=4, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.seen == [1, 1]
    assert blas.get_threads() == before


def test_single_threaded_nests_and_restores():
    before = blas.get_threads()
    with blas.single_threaded():
        assert blas.get_threads() == 1
        with blas.single_threaded():
            assert blas.get_threads() == 1
        assert blas.get_threads() == 1
    assert blas.get_threads() == before


def test_count_is_restored_after_an_error():
    before = blas.get_threads()
    try:
        with blas.single_threaded():
            raise KeyError("boom")
    except KeyError:
        pass
    assert blas.get_threads() == before
