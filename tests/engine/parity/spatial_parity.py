"""Compare one of our layers with the same Keras 3 layer (torch backend) on shared weights.

Outputs must agree within rtol 1e-4 / atol 1e-5, and so must the gradients of
sum(output * upstream) with respect to the input and every trainable weight (Keras's
gradients come from torch autograd on the Keras layer's torch variables).
"""

from __future__ import annotations

import numpy as np

from engine import keras as ours
from engine.autodiff import GradientTape, Tensor

RTOL, ATOL = 1e-4, 1e-5


def check_parity(class_name, kwargs, input_shape, seed=0, input_data=None):
    """Build both layers, copy our weights into Keras, and compare outputs and gradients."""
    import keras
    import torch

    rng = np.random.default_rng(seed)
    x = rng.normal(size=input_shape).astype("float32") if input_data is None else input_data.astype("float32")

    mine = getattr(ours.layers, class_name)(**kwargs)
    y_mine = mine(x)
    theirs = getattr(keras.layers, class_name)(**kwargs)
    theirs.build(input_shape)
    weights = mine.get_weights()
    assert [tuple(w.shape) for w in theirs.get_weights()] == [w.shape for w in weights], "weight shapes differ"
    # random biases too, so the bias path is compared
    weights = [rng.normal(size=w.shape).astype("float32") * 0.5 for w in weights]
    mine.set_weights(weights)
    theirs.set_weights(weights)

    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        y_mine = mine(xt)
    upstream = rng.normal(size=y_mine.shape).astype("float32")
    grads_mine = tape.gradient(y_mine, [xt] + list(mine.trainable_weights), output_gradients=upstream)

    x_torch = torch.tensor(x, requires_grad=True)
    y_theirs = theirs(x_torch)
    assert tuple(y_theirs.shape) == tuple(y_mine.shape), (tuple(y_theirs.shape), y_mine.shape)
    np.testing.assert_allclose(y_mine.numpy(), y_theirs.detach().cpu().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg=f"{class_name} output")
    torch.sum(y_theirs * torch.tensor(upstream)).backward()
    grads_theirs = [x_torch.grad] + [v.value.grad for v in theirs.trainable_weights]
    names = ["input"] + [w.path for w in mine.trainable_weights]
    for name, got, want in zip(names, grads_mine, grads_theirs):
        assert want is not None, f"keras gave no gradient for {name}"
        np.testing.assert_allclose(got.numpy(), want.detach().cpu().numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{class_name} gradient of {name}")
    assert mine.compute_output_shape((None,) + tuple(input_shape[1:])) == \
        tuple(theirs.compute_output_shape((None,) + tuple(input_shape[1:])))
