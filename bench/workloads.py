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


# -- W6/W7: residual stacks on 32x32x3 (functional models) -------------------------------------

def _ours_functional(body, input_shape):
    """A compiled functional model: `body(L, x)` maps the input tensor to the logits."""
    from engine import keras

    inputs = keras.Input(input_shape)
    model = keras.Model(inputs, body(keras.layers, inputs))
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _conv_bn(L, x, filters, kernel, strides=1, relu=True):
    """Conv (no bias) - BatchNorm - ReLU (optional), 'same' padding."""
    x = L.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = L.BatchNormalization()(x)
    return L.ReLU()(x) if relu else x


def _w6_body(L, x):
    x = _conv_bn(L, x, 16, 3)
    for _ in range(2):
        y = _conv_bn(L, _conv_bn(L, x, 16, 3), 16, 3, relu=False)
        x = L.ReLU()(L.Add()([x, y]))
    y = _conv_bn(L, _conv_bn(L, x, 32, 3, strides=2), 32, 3, relu=False)
    shortcut = _conv_bn(L, x, 32, 1, strides=2, relu=False)
    x = L.ReLU()(L.Add()([shortcut, y]))
    return L.Dense(CLASSES)(L.GlobalAveragePooling2D()(x))


def _torch_conv_bn(filters_in, filters, kernel, strides=1, relu=True):
    from torch import nn

    layers = [nn.Conv2d(filters_in, filters, kernel, stride=strides, padding=kernel // 2, bias=False),
              nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01)]
    return nn.Sequential(*layers, nn.ReLU()) if relu else nn.Sequential(*layers)


def _w6_torch():
    from torch import nn

    class Block(nn.Module):
        def __init__(self, filters_in, filters, strides):
            super().__init__()
            self.body = nn.Sequential(_torch_conv_bn(filters_in, filters, 3, strides),
                                      _torch_conv_bn(filters, filters, 3, relu=False))
            self.shortcut = (nn.Identity() if strides == 1 and filters_in == filters
                             else _torch_conv_bn(filters_in, filters, 1, strides, relu=False))

        def forward(self, x):
            return (self.shortcut(x) + self.body(x)).relu()

    body = nn.Sequential(_torch_conv_bn(3, 16, 3), Block(16, 16, 1), Block(16, 16, 1), Block(16, 32, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, CLASSES))
    return _ChannelsLast.build(body)


register(Workload("W6", "ResNet blocks on 32x32x3: stem 16, 2 blocks 16, 1 block 32 stride 2 (Conv-BN-ReLU + Add), "
                  "512 samples", 512, (32, 32, 3),
                  ("Conv2D", "BatchNormalization", "ReLU", "Add", "GlobalAveragePooling2D", "Dense"),
                  lambda: _ours_functional(_w6_body, (32, 32, 3)), _w6_torch))


# (expansion, output channels, stride) of each inverted residual block; the residual is added
# where the stride is 1 and the channels match
W7_BLOCKS = ((6, 16, 1), (6, 24, 2), (6, 24, 1))


def _w7_body(L, x):
    x = L.ReLU(max_value=6.0)(L.BatchNormalization()(L.Conv2D(16, 3, padding="same", use_bias=False)(x)))
    for expansion, filters, strides in W7_BLOCKS:
        y = L.Conv2D(x.shape[-1] * expansion, 1, use_bias=False)(x)
        y = L.ReLU(max_value=6.0)(L.BatchNormalization()(y))
        y = L.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False)(y)
        y = L.ReLU(max_value=6.0)(L.BatchNormalization()(y))
        y = L.BatchNormalization()(L.Conv2D(filters, 1, use_bias=False)(y))
        x = L.Add()([x, y]) if strides == 1 and x.shape[-1] == filters else y
    return L.Dense(CLASSES)(L.GlobalAveragePooling2D()(x))


def _w7_torch():
    from torch import nn

    class Inverted(nn.Module):
        def __init__(self, filters_in, expansion, filters, strides):
            super().__init__()
            hidden = filters_in * expansion
            self.residual = strides == 1 and filters_in == filters
            self.body = nn.Sequential(
                nn.Conv2d(filters_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden, eps=1e-3, momentum=0.01),
                nn.ReLU6(),
                nn.Conv2d(hidden, hidden, 3, stride=strides, padding=1, groups=hidden, bias=False),
                nn.BatchNorm2d(hidden, eps=1e-3, momentum=0.01), nn.ReLU6(),
                nn.Conv2d(hidden, filters, 1, bias=False), nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01))

        def forward(self, x):
            return x + self.body(x) if self.residual else self.body(x)

    blocks, channels = [], 16
    for expansion, filters, strides in W7_BLOCKS:
        blocks.append(Inverted(channels, expansion, filters, strides))
        channels = filters
    body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16, eps=1e-3, momentum=0.01),
                         nn.ReLU6(), *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, CLASSES))
    return _ChannelsLast.build(body)


register(Workload("W7", "MobileNetV2-style inverted residuals on 32x32x3 (1x1 expand x6, depthwise 3x3, 1x1 "
                  "project, residual): 16, 24/2, 24, 512 samples", 512, (32, 32, 3),
                  ("Conv2D", "DepthwiseConv2D", "BatchNormalization", "ReLU", "Add", "GlobalAveragePooling2D",
                   "Dense"), lambda: _ours_functional(_w7_body, (32, 32, 3)), _w7_torch))
