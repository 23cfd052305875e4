"""The `keras.applications` corpus shared by the engine and app tests (issue 12).

Every architecture is built by real Keras 3 (torch backend) at test time, `weights=None`, on the
smallest input it accepts and with a 5-class logits head; nothing is downloaded. Two tiers keep
the suite's cost in check:

* `NUMERIC` (the smallest member of each family, and Xception, InceptionV3, VGG16, VGG19):
  `build_keras_file(name, tmpdir)` builds the model once per test session, gives every weight
  seeded values (a fresh model's biases, scales and layer scales are constants, which would
  hide swapped or misread weights), sets the batch-norm statistics from one seeded batch (so
  the two sample images get clearly different logits), saves it as `.keras` and returns
  `(path, sample_input, keras_prediction)`.
* `STRUCTURAL` (the bigger variants: ResNet152, EfficientNetB7, ConvNeXtXLarge, ... up to 1.4 GB
  of weights each): `build_config(name)` builds the model on torch's "meta" device (no weight
  memory, no arithmetic) and returns its serialized config. `layer_signatures(config)` reduces a
  config to what a loader has to understand (layer classes, option values that are not sizes or
  names, operation nodes); a variant whose signatures are all among its `SIBLING`'s is covered by
  the sibling's numeric tests. By default the tier holds the `LARGEST` variant of each family;
  `STRATA_KERAS_APPS=structural` puts every bigger variant in it, and `STRATA_KERAS_APPS=all`
  moves every architecture into the numeric tier (minutes, and several GB of temporary files).

Keras is imported only when something is built, so collecting tests stays cheap.
"""

from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass

import numpy as np

NUM_CLASSES = 5
BATCH = 2
SEED = 1234

# name -> smallest square input side Keras accepts with weights=None and include_top=True
INPUT_SIDE = {
    "MobileNet": 32, "MobileNetV2": 32, "MobileNetV3Small": 32, "MobileNetV3Large": 32,
    "ResNet50": 32, "ResNet101": 32, "ResNet152": 32,
    "ResNet50V2": 32, "ResNet101V2": 32, "ResNet152V2": 32,
    "DenseNet121": 32, "DenseNet169": 32, "DenseNet201": 32,
    **{f"EfficientNetB{i}": 32 for i in range(8)},
    **{f"EfficientNetV2{v}": 32 for v in ("B0", "B1", "B2", "B3", "S", "M", "L")},
    **{f"ConvNeXt{v}": 32 for v in ("Tiny", "Small", "Base", "Large", "XLarge")},
    "Xception": 71, "InceptionV3": 75,
    "VGG16": 32, "VGG19": 32,
}
ALL = tuple(INPUT_SIDE)

# The bigger variant -> the numerically tested member of its family with the same building blocks.
SIBLING = {
    "ResNet101": "ResNet50", "ResNet152": "ResNet50",
    "ResNet101V2": "ResNet50V2", "ResNet152V2": "ResNet50V2",
    "DenseNet169": "DenseNet121", "DenseNet201": "DenseNet121",
    **{f"EfficientNetB{i}": "EfficientNetB0" for i in range(1, 8)},
    **{f"EfficientNetV2{v}": "EfficientNetV2B0" for v in ("B1", "B2", "B3", "S", "M", "L")},
    **{f"ConvNeXt{v}": "ConvNeXtTiny" for v in ("Small", "Base", "Large", "XLarge")},
}

# The largest variant of each family: structurally checked by default (the middle ones follow
# the same builders with sizes between the smallest and the largest).
LARGEST = ("ResNet152", "ResNet152V2", "DenseNet201", "EfficientNetB7", "EfficientNetV2L", "ConvNeXtXLarge")

_MODE = os.environ.get("STRATA_KERAS_APPS", "").strip().lower()
if _MODE == "all":  # every architecture through the numeric tests
    NUMERIC, STRUCTURAL = ALL, ()
elif _MODE == "structural":  # every bigger variant through the structural tests
    NUMERIC = tuple(name for name in ALL if name not in SIBLING)
    STRUCTURAL = tuple(name for name in ALL if name in SIBLING)
else:
    NUMERIC = tuple(name for name in ALL if name not in SIBLING)
    STRUCTURAL = LARGEST


@dataclass(frozen=True)
class BuiltApp:
    """One corpus model on disk: the `.keras` file, a fixed input and Keras' own prediction."""

    name: str
    path: str
    sample_input: np.ndarray
    keras_prediction: np.ndarray
    build_seconds: float

    def __iter__(self):  # unpacks as (path, sample_input, keras_prediction)
        return iter((self.path, self.sample_input, self.keras_prediction))


_BUILT: dict[str, BuiltApp] = {}
_CONFIGS: dict[str, dict] = {}


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    if keras.backend.backend() != "torch":
        raise RuntimeError(f"the Keras applications corpus needs KERAS_BACKEND=torch, not {keras.backend.backend()}")
    return keras


def _construct(name: str):
    keras = _keras()
    side = INPUT_SIDE[name]
    constructor = getattr(keras.applications, name)
    return constructor(weights=None, input_shape=(side, side, 3), classes=NUM_CLASSES, classifier_activation=None)


# name prefix -> the keras.applications module whose preprocess_input gives the input range it expects
_PREPROCESS_MODULE = (
    ("MobileNetV3", "mobilenet_v3"), ("MobileNetV2", "mobilenet_v2"), ("MobileNet", "mobilenet"),
    ("ResNet50V2", "resnet_v2"), ("ResNet101V2", "resnet_v2"), ("ResNet152V2", "resnet_v2"), ("ResNet", "resnet"),
    ("DenseNet", "densenet"), ("EfficientNetV2", "efficientnet_v2"), ("EfficientNet", "efficientnet"),
    ("ConvNeXt", "convnext"), ("Xception", "xception"), ("InceptionV3", "inception_v3"),
    ("VGG16", "vgg16"), ("VGG19", "vgg19"),
)


def sample_input(name: str) -> np.ndarray:
    """The fixed float32 batch fed to `name`: seeded pixels in [0, 255) put through the family's
    `preprocess_input` (e.g. [-1, 1] for MobileNet, mean-subtracted BGR for ResNet), so that
    activations stay in the range the architecture was designed for."""
    side = INPUT_SIDE[name]
    rng = np.random.default_rng([SEED, ALL.index(name)])
    pixels = rng.uniform(0.0, 255.0, size=(BATCH, side, side, 3)).astype("float32")
    module = next(module for prefix, module in _PREPROCESS_MODULE if name.startswith(prefix))
    keras = _keras()
    return np.asarray(getattr(keras.applications, module).preprocess_input(pixels.copy()), dtype="float32")


def _seed_weights(model, name: str) -> None:
    """Give each constant-initialized float weight seeded values so that every weight matters."""
    rng = np.random.default_rng([SEED, ALL.index(name), 1])
    for variable in model.weights:
        value = np.asarray(variable.numpy())
        if value.dtype.kind != "f" or value.size == 0:
            continue
        if np.all(value == value.flat[0]):
            if value.flat[0] == 0:
                new = rng.normal(0.0, 0.05, size=value.shape)
            else:  # ones (scales, variances) and ConvNeXt's 1e-6 layer scales: positive, order 1
                new = rng.uniform(0.5, 1.5, size=value.shape)
            variable.assign(new.astype(value.dtype))


def _calibrate_batch_norm(model, name: str, x: np.ndarray) -> None:
    """Set every batch-norm's moving statistics to those of one seeded batch (holding `x`).

    With a fresh model's statistics (mean 0, variance 1) the normalized activations shrink layer
    after layer until every input gives the same logits, and a wrong early layer goes unseen.
    """
    import torch

    rng = np.random.default_rng([SEED, ALL.index(name), 2])
    extra = rng.permutation(np.concatenate([x] * 3)[:, ::-1])[: 6]  # flipped copies, other order
    batch = np.concatenate([x, extra]).astype("float32")
    norms = [layer for layer in model._flatten_layers() if type(layer).__name__ == "BatchNormalization"]
    saved = [layer.momentum for layer in norms]
    for layer in norms:
        layer.momentum = 0.0
    with torch.no_grad():
        model(batch, training=True)
    for layer, momentum in zip(norms, saved):
        layer.momentum = momentum
        # a channel with almost no spread would amplify float32 rounding without bound: floor it
        variance = np.asarray(layer.moving_variance.numpy())
        layer.moving_variance.assign(variance + 0.5 * variance.mean())


class _OneTorchThread:
    """Run torch on one thread while building: these small inputs gain nothing from more, and on a
    busy machine torch's waiting worker threads cost several times the work itself."""

    def __enter__(self):
        import torch

        self.saved = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.saved)


def build_keras_file(name: str, tmpdir) -> BuiltApp:
    """Build `name` with real Keras once per session, save it under `tmpdir`, predict the sample.

    Returns a `BuiltApp`, which unpacks as `(path_to_keras_file, sample_input, keras_prediction)`.
    Later calls (any `tmpdir`) return the same file.
    """
    if name not in INPUT_SIDE:
        raise KeyError(f"{name!r} is not in the Keras applications corpus: {', '.join(ALL)}")
    if name in _BUILT and os.path.exists(_BUILT[name].path):
        return _BUILT[name]
    import time

    start = time.perf_counter()
    with _OneTorchThread():
        model = _construct(name)
        _seed_weights(model, name)
        x = sample_input(name)
        _calibrate_batch_norm(model, name, x)
        path = os.path.join(os.fspath(tmpdir), f"{name}.keras")
        model.save(path)
        y = np.asarray(model.predict(x, verbose=0, batch_size=BATCH))
    if not np.all(np.isfinite(y)):
        raise AssertionError(f"{name}: Keras' own prediction is not finite; the corpus weights need rescaling")
    if np.allclose(y[0], y[1], rtol=1e-3):
        raise AssertionError(f"{name}: Keras predicts the same for different inputs; the corpus input is saturated")
    built = BuiltApp(name, path, x, y, time.perf_counter() - start)
    _BUILT[name] = built
    del model
    gc.collect()
    return built


def build_config(name: str) -> dict:
    """The serialized model config (`config.json` of its `.keras` file) of `name`, built without weights."""
    if name not in INPUT_SIDE:
        raise KeyError(f"{name!r} is not in the Keras applications corpus: {', '.join(ALL)}")
    if name not in _CONFIGS:
        keras = _keras()
        from keras.src.backend.torch.core import device_scope

        with device_scope("meta"), _OneTorchThread():
            model = _construct(name)
        _CONFIGS[name] = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
        del model
        gc.collect()
    return _CONFIGS[name]


def keras_file_config(path) -> dict:
    """The model config stored in a `.keras` file (its `config.json`)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


# Config entries that only size or name things; two variants of one family differ in these.
_SIZE_KEYS = {
    "name", "filters", "units", "kernel_size", "strides", "pool_size", "padding", "cropping",
    "target_shape", "rate", "batch_shape", "shape", "dims", "axis", "groups", "depth_multiplier",
    "dilation_rate", "trainable", "seed", "size", "n", "momentum", "epsilon", "init_values",
    "projection_dim", "mean", "variance", "scale", "offset", "noise_shape", "drop_path_rate",
    "shared_object_id",  # written by `.keras` saving, not by a plain serialization
}


def _shape_free(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _shape_free(v)) for k, v in value.items() if k not in _SIZE_KEYS))
    if isinstance(value, (list, tuple)):
        return ("list",) if all(isinstance(v, (int, float)) or v is None for v in value) else tuple(
            _shape_free(v) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return "number"
    return repr(value)


def layer_signatures(config: dict) -> set:
    """What a loader must understand in a model config, with sizes, counts and names left out.

    One entry per distinct (module, class_name, other options) among the model's layers, and for
    functional-API operation nodes (`x + 3.0`) the operation's class too.
    """
    layers = config["config"]["layers"]
    out = set()
    for layer in layers:
        out.add((layer.get("module"), layer["class_name"], _shape_free(layer.get("config", {}))))
    return out
