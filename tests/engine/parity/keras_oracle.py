"""Run one of our layers and the same Keras 3 layer (torch backend) on the same weights and data.

`assert_layer_matches_keras` copies our weights into the Keras layer with `set_weights` (so weight
order and shapes must match), then compares outputs, moving statistics and the gradients
of sum(output * upstream) with respect to the float inputs and every trainable weight.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine import keras as ours  # noqa: E402
from engine.autodiff import GradientTape, Tensor  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _ours_forward(layer, arrays, is_list, training, call_kwargs, as_args=False):
    tensors = [Tensor(a) for a in arrays]
    with GradientTape() as tape:
        for t in tensors:
            if t.dtype.startswith("float"):
                tape.watch(t)
        args = tensors if as_args else [tensors if is_list else tensors[0]]
        out = layer(*args, training=training, **call_kwargs) if training is not None else layer(*args, **call_kwargs)
    return tensors, tape, out


def _keras_forward(layer, arrays, is_list, training, call_kwargs, as_args=False):
    tensors = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    args = tensors if as_args else [tensors if is_list else tensors[0]]
    kwargs = dict(call_kwargs)
    if training is not None:
        kwargs["training"] = training
    out = layer(*args, **kwargs)
    return tensors, out


def _torch_kwargs(call_kwargs):
    return {k: (torch.tensor(np.asarray(v.numpy() if hasattr(v, "numpy") else v)) if v is not None else None)
            for k, v in call_kwargs.items()}


def assert_layer_matches_keras(our_cls, keras_cls, kwargs, inputs, training_modes=(False, True), check_grads=True,
                  call_kwargs=None, rtol=RTOL, atol=ATOL, seed=0, as_args=False):
    """Assert our layer matches Keras in outputs, state and gradients for each training mode.

    A list of inputs is passed as one list argument, or with `as_args` as separate positional
    arguments (MultiHeadAttention's query, value, key)."""
    is_list = isinstance(inputs, (list, tuple))
    arrays = [np.asarray(a) for a in _as_list(inputs)]
    call_kwargs = call_kwargs or {}
    ours_layer = our_cls(**kwargs)
    ours_layer(*(arrays if as_args else [arrays if is_list else arrays[0]]), **call_kwargs)  # build
    keras_layer = keras_cls(**kwargs)
    torch_arrays = [torch.tensor(a) for a in arrays]
    keras_layer(*(torch_arrays if as_args else [torch_arrays if is_list else torch_arrays[0]]),
                **_torch_kwargs(call_kwargs))
    assert [tuple(w.shape) for w in ours_layer.weights] == [tuple(w.shape) for w in keras_layer.weights]
    rng = np.random.default_rng(seed)
    ours_layer.set_weights([w + rng.normal(scale=0.1, size=w.shape).astype(w.dtype) if w.dtype.kind == "f" else w
                            for w in ours_layer.get_weights()])
    keras_layer.set_weights(ours_layer.get_weights())
    for training in training_modes:
        o_tensors, tape, o_out = _ours_forward(ours_layer, arrays, is_list, training, call_kwargs, as_args)
        k_tensors, k_out = _keras_forward(keras_layer, arrays, is_list, training, _torch_kwargs(call_kwargs), as_args)
        k_value = k_out.detach().cpu().numpy()
        np.testing.assert_allclose(o_out.numpy(), k_value, rtol=rtol, atol=atol,
                                   err_msg=f"{our_cls.__name__} output (training={training})")
        for ow, kw in zip(ours_layer.weights, keras_layer.weights):
            np.testing.assert_allclose(ow.numpy(), np.asarray(kw.numpy()), rtol=rtol, atol=atol,
                                       err_msg=f"{our_cls.__name__} weight {ow.name} after training={training}")
        if not check_grads:
            continue
        upstream = rng.normal(size=k_value.shape).astype(k_value.dtype)
        float_inputs = [t for t in o_tensors if t.dtype.startswith("float")]
        sources = float_inputs + list(ours_layer.trainable_weights)
        grads = tape.gradient(o_out, sources, output_gradients=upstream)
        (k_out * torch.tensor(upstream)).sum().backward()
        k_inputs = [t for t in k_tensors if t.requires_grad]
        expected = [t.grad for t in k_inputs] + [w.value.grad for w in keras_layer.trainable_weights]
        for name, got, want in zip([f"input {i}" for i in range(len(k_inputs))] +
                                   [w.name for w in ours_layer.trainable_weights], grads, expected):
            want = np.zeros(got.shape) if want is None else want.detach().cpu().numpy()
            np.testing.assert_allclose(got.numpy(), want, rtol=rtol, atol=atol,
                                       err_msg=f"{our_cls.__name__} gradient of {name} (training={training})")
        for w in keras_layer.trainable_weights:
            w.value.grad = None
    return ours_layer, keras_layer


__all__ = ["assert_layer_matches_keras", "keras", "ours"]
