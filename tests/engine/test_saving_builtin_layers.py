"""Every built-in layer survives `.keras` save/load with the same predictions.

The layers come from `engine.layers.builtin_layers()`, so each layer another engineer adds
is checked here automatically. Constructor arguments and input shapes come from a small
table by argument name and layer family; a layer the table cannot cover fails loudly.
"""

import inspect

import numpy as np
import pytest

from engine import keras
from engine.layers import CATEGORIES, builtin_layers

# Values for required constructor arguments, by argument name.
REQUIRED_ARGUMENTS = {
    "units": 3, "filters": 2, "kernel_size": 2, "pool_size": 2, "rate": 0.25, "stddev": 0.1, "size": 2,
    "cropping": 1, "padding": 1, "n": 2, "output_dim": 3, "input_dim": 7, "activation": "relu",
    "l1": 0.01, "l2": 0.01, "axes": -1, "groups": 1, "depth_multiplier": 1, "epsilon": 1e-3, "theta": 1.0,
    "max_value": 6.0, "negative_slope": 0.1, "alpha": 0.3, "axis": -1, "mask_value": 0.0,
}

# Layer-specific arguments and input shapes (batch first) that the generic rules cannot guess.
SPECIAL = {
    "Reshape": ({"target_shape": (3, 2)}, (2, 6)),
    "Permute": ({"dims": (2, 1)}, (2, 3, 4)),
    "RepeatVector": ({"n": 3}, (2, 4)),
    "Embedding": ({"input_dim": 7, "output_dim": 3}, "int:(2, 5)"),
    "Lambda": ({"function": "tanh"}, (2, 4)),
    "Dot": ({"axes": 1}, "pair:(2, 4)"),
    "TimeDistributed": ({"layer": ("Dense", {"units": 3})}, (2, 5, 4)),
    "Bidirectional": ({"layer": ("LSTM", {"units": 3})}, (2, 5, 4)),
    "GroupNormalization": ({"groups": 2}, (2, 4)),
    "Masking": ({"mask_value": 0.0}, (2, 5, 4)),
    "Cropping1D": ({"cropping": 1}, (2, 6, 3)),
    "Cropping2D": ({"cropping": 1}, (2, 6, 6, 3)),
    "Cropping3D": ({"cropping": 1}, (2, 5, 5, 5, 2)),
    "RNN": ({"cell": ("LSTMCell", {"units": 3})}, (2, 5, 4)),
    "ConvLSTM1D": ({}, (2, 3, 6, 2)),
    "ConvLSTM2D": ({}, (2, 3, 5, 5, 2)),
    "ConvLSTM3D": ({}, (2, 2, 4, 4, 4, 2)),
    "Rescaling": ({"scale": 0.5, "offset": 1.0}, (2, 4)),
    "LayerScale": ({"init_values": 0.1, "projection_dim": 4}, (2, 4)),
    "Resizing": ({"height": 3, "width": 5}, (2, 6, 6, 3)),
    "CenterCrop": ({"height": 3, "width": 4}, (2, 6, 6, 3)),
    "RandomFlip": ({"seed": 1}, (2, 6, 6, 3)),
    "RandomRotation": ({"factor": 0.1}, (2, 6, 6, 3)),
    "RandomZoom": ({"height_factor": 0.1}, (2, 6, 6, 3)),
    "RandomTranslation": ({"height_factor": 0.1, "width_factor": 0.2}, (2, 6, 6, 3)),
    "RandomContrast": ({"factor": 0.1}, (2, 6, 6, 3)),
    "RandomBrightness": ({"factor": 0.1}, (2, 6, 6, 3)),
    "RandomCrop": ({"height": 3, "width": 4}, (2, 6, 6, 3)),
    "Attention": ({"use_scale": True, "score_mode": "concat"}, "pair:(2, 3, 4)"),
    "AdditiveAttention": ({}, "pair:(2, 3, 4)"),
    "MultiHeadAttention": ({"num_heads": 2, "key_dim": 3}, "pair:(2, 3, 4)"),
}
# Layers called on separate tensor arguments rather than one list (query, value).
SEPARATE_ARGUMENTS = {"MultiHeadAttention"}

RECURRENT_NAMES = ("RNN", "LSTM", "GRU", "ConvLSTM")


def _input_shape(name, category):
    if name in SPECIAL:
        return SPECIAL[name][1]
    if "3D" in name:
        return (2, 5, 5, 5, 2)
    if "2D" in name:
        return (2, 6, 6, 3)
    if "1D" in name or category == "Recurrent" or any(part in name for part in RECURRENT_NAMES):
        return (2, 6, 3)
    if category == "Merging":
        return "pair:(2, 4)"
    return (2, 4)


def _kwargs(name, cls):
    kwargs = dict(SPECIAL.get(name, ({}, None))[0])
    for key, value in list(kwargs.items()):
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and value[0] in builtin_layers():
            kwargs[key] = builtin_layers()[value[0]](**value[1])
        elif name == "Lambda" and key == "function":
            kwargs[key] = getattr(keras.activations, value)
    params = inspect.signature(cls.__init__).parameters
    for param in list(params.values())[1:]:
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or param.name in kwargs:
            continue
        if param.default is inspect.Parameter.empty:
            if param.name not in REQUIRED_ARGUMENTS:
                pytest.fail(f"{name}: no value for required argument {param.name!r}; add it to SPECIAL or "
                            "REQUIRED_ARGUMENTS in this test.")
            kwargs[param.name] = REQUIRED_ARGUMENTS[param.name]
    return kwargs


def _data(shape, rng):
    if isinstance(shape, str) and shape.startswith("int:"):
        dims = eval(shape[4:], {})  # the table's own literal
        return rng.integers(1, 7, size=dims).astype("int32")
    if isinstance(shape, str) and shape.startswith("pair:"):
        dims = eval(shape[5:], {})
        return [rng.normal(size=dims).astype("float32"), rng.normal(size=dims).astype("float32")]
    return rng.normal(size=shape).astype("float32")


@pytest.mark.parametrize("name", sorted(builtin_layers()))
def test_builtin_layer_save_load_round_trip(name, tmp_path):
    cls = builtin_layers()[name]
    category = CATEGORIES.get(name, "")
    rng = np.random.default_rng(0)
    data = _data(_input_shape(name, category), rng)
    if isinstance(data, list):
        inputs = [keras.Input(d.shape[1:]) for d in data]
        layer = cls(**_kwargs(name, cls))
        outputs = layer(*inputs) if name in SEPARATE_ARGUMENTS else layer(inputs)
    elif name.endswith("Cell"):
        # A cell is saved inside the RNN layer that steps it through time.
        inputs = keras.Input(data.shape[1:], dtype=str(data.dtype))
        outputs = keras.layers.RNN(cls(**_kwargs(name, cls)))(inputs)
    else:
        inputs = keras.Input(data.shape[1:], dtype=str(data.dtype))
        outputs = cls(**_kwargs(name, cls))(inputs)
    model = keras.Model(inputs, outputs)
    # Give every weight a distinctive value so a weight loaded into the wrong slot shows.
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) if w.dtype.kind == "f" else w
                       for w in model.get_weights()])
    before = model.predict(data, verbose=0)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=(name != "Lambda"))
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    assert len(loaded.weights) == len(model.weights)
    for mine, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), before, rtol=1e-5, atol=1e-6)
    assert loaded.get_layer(model.layers[-1].name).get_config() == model.layers[-1].get_config()
