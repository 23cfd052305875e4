"""The shared layer test helper: every built-in layer passes `check_layer`.

It builds the layer on an input shape, compares weight counts and the output shape with
`compute_output_shape`, round-trips `get_config`, saves and loads a model holding the
layer, runs one training step, and checks float64 gradients by central differences.
"""

from __future__ import annotations

import numpy as np

from engine import keras
from engine.autodiff import GradientTape, Tensor
from tests.engine.gradcheck import ATOL, RTOL, numeric_grad


def _inputs(shape, rng, dtype="float32", input_data=None):
    if input_data is not None:
        return np.asarray(input_data)
    return rng.normal(size=shape).astype(dtype)


def check_layer(layer_cls, kwargs, input_shape, expected_output_shape=None, expected_num_weights=None,
                expected_num_trainable=None, input_data=None, check_grads=True, check_save=True,
                check_training_step=True, grad_atol=ATOL, grad_rtol=RTOL, seed=0):
    """Run every generic layer check; returns the built float32 layer."""
    rng = np.random.default_rng(seed)
    x = _inputs(input_shape, rng, input_data=input_data)

    layer = layer_cls(**kwargs)
    y = layer(x)
    assert layer.built, f"{layer_cls.__name__} is not built after its first call"
    if expected_num_weights is not None:
        assert len(layer.weights) == expected_num_weights, [w.path for w in layer.weights]
    if expected_num_trainable is not None:
        assert len(layer.trainable_weights) == expected_num_trainable
    if expected_output_shape is not None:
        assert tuple(y.shape) == tuple(expected_output_shape), (y.shape, expected_output_shape)
    symbolic = tuple((None,) + tuple(input_shape[1:]))
    computed = layer.compute_output_shape(symbolic)
    assert tuple(computed) == (None,) + tuple(y.shape[1:]), (computed, y.shape)

    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, "get_config/from_config round trip changed the config"
    y_clone = clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), y.numpy(), rtol=1e-5, atol=1e-6)
    assert y_clone.shape == y.shape

    if check_save:
        _check_save_round_trip(layer_cls, kwargs, x, layer)
    if check_training_step and layer.trainable_weights:
        _check_training_step(layer_cls, kwargs, x)
    if check_grads:
        check_layer_gradients(layer_cls, kwargs, x[:2] if x.shape[0] > 2 else x, grad_atol, grad_rtol)
    return layer


def _check_save_round_trip(layer_cls, kwargs, x, layer, tmp_dir=None):
    import tempfile
    import os

    inputs = keras.Input(shape=x.shape[1:], dtype=str(x.dtype))
    model = keras.Model(inputs, layer_cls(**kwargs)(inputs))
    before = model.predict(x, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "layer.keras")
        model.save(path)
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, rtol=1e-5, atol=1e-6)


def _check_training_step(layer_cls, kwargs, x):
    inputs = keras.Input(shape=x.shape[1:], dtype=str(x.dtype))
    out = layer_cls(**kwargs)(inputs)
    model = keras.Model(inputs, out)
    target = np.zeros(model.predict(x, verbose=0).shape, dtype="float32")
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, target)
    after = model.get_weights()
    changed = any(not np.allclose(a, b) for a, b in zip(before, after))
    assert changed, f"{layer_cls.__name__}: one training step changed no weight"


def check_layer_gradients(layer_cls, kwargs, x, atol=ATOL, rtol=RTOL, seed=1, training=False, call_kwargs=None,
                          as_args=False):
    """Float64 gradients w.r.t. the input(s) and every trainable weight match central differences.

    `x` is one array or a list of arrays, passed as one list (a layer called on a list, e.g.
    Attention's [query, value, key]) or with `as_args` as separate arguments
    (MultiHeadAttention(query, value, key)); `call_kwargs` are passed to every call."""
    rng = np.random.default_rng(seed)
    layer = layer_cls(**dict(kwargs, dtype="float64"))
    is_list = isinstance(x, (list, tuple))
    arrays = [np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
              for a in (x if is_list else [x])]
    call_kwargs = dict(call_kwargs or {})
    if _takes_training(layer):
        call_kwargs["training"] = training

    def pack(values):
        return list(values) if is_list else values[0]

    def call(values):
        return layer(*values, **call_kwargs) if as_args else layer(pack(values), **call_kwargs)

    out = call(arrays)
    upstream = rng.normal(size=out.shape)
    weights = list(layer.trainable_weights)

    def run():
        result = call([Tensor(a) for a in arrays])   # numpy float64 past the first input would become float32
        return np.sum(np.asarray(result.numpy(), dtype=np.float64) * upstream)

    tensors = [Tensor(a) for a in arrays]
    floats = [t for t, a in zip(tensors, arrays) if a.dtype.kind == "f"]
    with GradientTape() as tape:
        for t in floats:
            tape.watch(t)
        result = call(tensors)
    grads = tape.gradient(result, floats + weights, output_gradients=upstream)

    float_arrays = [a for a in arrays if a.dtype.kind == "f"]
    for i, array in enumerate(float_arrays):
        expected = _numeric(run, array)
        np.testing.assert_allclose(grads[i].numpy(), expected, atol=atol, rtol=rtol, err_msg=f"input gradient {i}")
    for i, w in enumerate(weights):
        g = grads[i + len(float_arrays)]
        array = w.data
        expected = _numeric(run, array, variable=w)
        assert g is not None, f"no gradient for {w.path}"
        np.testing.assert_allclose(g.numpy(), expected, atol=atol, rtol=rtol, err_msg=f"gradient of {w.path}")


def _numeric(run, array, variable=None, eps=1e-6):
    base = np.array(array, dtype=np.float64)
    grad = np.zeros_like(base)
    flat = base.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        if variable is not None:
            variable.assign(base)
        else:
            array[...] = base
        plus = run()
        flat[i] = old - eps
        if variable is not None:
            variable.assign(base)
        else:
            array[...] = base
        minus = run()
        flat[i] = old
        grad.reshape(-1)[i] = (plus - minus) / (2 * eps)
    if variable is not None:
        variable.assign(base)
    else:
        array[...] = base
    return grad


def _takes_training(layer):
    return layer._spec().has_training
