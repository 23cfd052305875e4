"""The registry of benchmark workloads: the same model and data in our engine and in PyTorch.

A workload names the layers it needs; when our engine lacks one, the runner prints
"needs layer X" instead of timing it. Every workload trains with batch 64 and Adam
(lr 1e-3) on random data with a fixed seed, 10 classes, logits + sparse cross-entropy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

BATCH = 64
CLASSES = 10


@dataclass
class Workload:
    """One benchmark: data shape, sample count, and a model builder for each framework."""

    name: str
    description: str
    samples: int
    input_shape: tuple
    needs: tuple  # our layer class names
    build_ours: Callable
    build_torch: Callable

    def data(self, seed=0):
        """(x, y) float32 inputs and int64 labels."""
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(self.samples,) + self.input_shape).astype("float32")
        y = rng.integers(0, CLASSES, size=self.samples).astype("int64")
        return x, y

    def missing_layers(self):
        """Names in `needs` that engine.layers does not define yet."""
        import engine.layers as layers

        return [name for name in self.needs if not hasattr(layers, name)]


REGISTRY: dict[str, Workload] = {}


def register(workload: Workload) -> Workload:
    """Add a workload to the registry (by its name)."""
    REGISTRY[workload.name] = workload
    return workload


def _ours_model(layer_fns, input_shape):
    from engine import keras

    model = keras.Sequential([keras.Input(input_shape)] + [fn(keras.layers) for fn in layer_fns])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


# -- W1: MLP ---------------------------------------------------------------------------

def _w1_ours():
    return _ours_model([lambda L: L.Dense(128, activation="relu"), lambda L: L.Dense(128, activation="relu"),
                        lambda L: L.Dense(CLASSES)], (64,))


def _w1_torch():
    from torch import nn

    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, CLASSES))


register(Workload("W1", "MLP 64-128-128-10, 2048 samples", 2048, (64,), ("Dense",), _w1_ours, _w1_torch))


# -- W2: small CNN ------------------------------------------------------------------------

def _w2_ours():
    return _ours_model([lambda L: L.Conv2D(32, 3, activation="relu"), lambda L: L.MaxPooling2D(2),
                        lambda L: L.Conv2D(64, 3, activation="relu"), lambda L: L.MaxPooling2D(2),
                        lambda L: L.Flatten(), lambda L: L.Dense(CLASSES)], (28, 28, 1))


class _ChannelsLast:
    """Wraps a channels-first torch CNN so it takes the same NHWC data as ours."""

    @staticmethod
    def build(body):
        from torch import nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = body

            def forward(self, x):
                return self.body(x.permute(0, 3, 1, 2) if x.dim() == 4 else x.permute(0, 2, 1))

        return Model()


def _w2_torch():
    from torch import nn

    body = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, CLASSES))
    return _ChannelsLast.build(body)


register(Workload("W2", "CNN 28x28x1: Conv32-Pool-Conv64-Pool-Dense10, 512 samples", 512, (28, 28, 1),
                  ("Conv2D", "MaxPooling2D", "Flatten", "Dense"), _w2_ours, _w2_torch))


# -- W3/W4: recurrent ------------------------------------------------------------------------

def _rnn_torch(cell):
    import torch
    from torch import nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(nn, cell)(32, 128, batch_first=True)
            self.head = nn.Linear(128, CLASSES)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[:, -1])

    del torch
    return Model()


register(Workload("W3", "LSTM 128 on 50 steps x 32 features, Dense 10, 512 samples", 512, (50, 32),
                  ("LSTM", "Dense"),
                  lambda: _ours_model([lambda L: L.LSTM(128), lambda L: L.Dense(CLASSES)], (50, 32)),
                  lambda: _rnn_torch("LSTM")))
register(Workload("W4", "GRU 128 on 50 steps x 32 features, Dense 10, 512 samples", 512, (50, 32),
                  ("GRU", "Dense"),
                  lambda: _ours_model([lambda L: L.GRU(128), lambda L: L.Dense(CLASSES)], (50, 32)),
                  lambda: _rnn_torch("GRU")))


# -- W5: Conv1D stack ----------------------------------------------------------------------------

def _w5_ours():
    return _ours_model([lambda L: L.Conv1D(32, 5, activation="relu"), lambda L: L.MaxPooling1D(2),
                        lambda L: L.Conv1D(64, 5, activation="relu"), lambda L: L.MaxPooling1D(2),
                        lambda L: L.Conv1D(64, 5, activation="relu"), lambda L: L.GlobalAveragePooling1D(),
                        lambda L: L.Dense(CLASSES)], (256, 8))


def _w5_torch():
    from torch import nn

    body = nn.Sequential(nn.Conv1d(8, 32, 5), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(32, 64, 5), nn.ReLU(),
                         nn.MaxPool1d(2), nn.Conv1d(64, 64, 5), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
                         nn.Linear(64, CLASSES))
    return _ChannelsLast.build(body)


register(Workload("W5", "Conv1D stack (32-64-64, kernel 5) on 256 steps x 8 features, 512 samples", 512,
                  (256, 8), ("Conv1D", "MaxPooling1D", "GlobalAveragePooling1D", "Dense"), _w5_ours, _w5_torch))
