"""BatchNormalization (or a two-input Add) followed by ReLU, run as one op in a functional model's
training calls.

`fusable_pairs(nodes, outputs)` finds, once per model, the recorded calls where a
`BatchNormalization`'s only output feeds nothing but the very next call, a plain `ReLU`
(no leak, no threshold, optional `max_value`) of the same compute dtype, with no activity
regularizer and not a model output. An `Add` of two tensors qualifies the same way before a
ReLU without `max_value` (a residual junction): it then runs `ops.nn.add_relu`, one pass forward
and one backward, and never materialises the sum. In training calls (not in inference, and not while either
layer has a per-instance `call`, as the live probe installs to record each layer's output) the
model then calls the BatchNormalization layer inside `activation_requested(layer, cap)` and skips the ReLU call: the layer applies the activation
itself, in training on host (numpy) arrays without a mask inside the normalization's pass and
its backward (see `ops.batch_normalization_fused`'s `activation_cap`), otherwise as the ReLU
layer would (`ops.nn.capped_relu` on its output). The numbers equal the two layers' (same
values, same gradients); what is skipped is the pre-activation array. The request is
per thread, so a model used from two threads at once does not mix them.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np

from engine.layers.symbolic import KerasTensor, flatten

_requests = threading.local()


@contextmanager
def activation_requested(layer, cap):
    """Ask `layer` (a BatchNormalization) to apply min(max(., 0), cap) to its output in this block."""
    previous = getattr(_requests, "by_layer", None)
    _requests.by_layer = {**(previous or {}), id(layer): cap}
    try:
        yield
    finally:
        _requests.by_layer = previous


def requested_cap(layer):
    """The cap asked of `layer` in this thread (np.inf: plain ReLU), or None."""
    requests = getattr(_requests, "by_layer", None)
    return None if not requests else requests.get(id(layer))


def fusable_pairs(nodes, outputs):
    """{index of a BatchNormalization call: ReLU cap (np.inf: none)} for fusable neighbours."""
    from engine.layers.activations.relu import ReLU
    from engine.layers.merging.elementwise import Add
    from engine.layers.normalization.batch_normalization import BatchNormalization

    consumers: dict[int, int] = {}
    for node in nodes:
        for t in flatten((node.args, node.kwargs)):
            if isinstance(t, KerasTensor):
                consumers[id(t)] = consumers.get(id(t), 0) + 1
    model_outputs = {id(t) for t in flatten(outputs)}
    pairs = {}
    for i in range(len(nodes) - 1):
        bn, relu = nodes[i], nodes[i + 1]
        if type(bn.layer) not in (BatchNormalization, Add) or type(relu.layer) is not ReLU:
            continue
        made = [t for t in flatten(bn.outputs) if isinstance(t, KerasTensor)]
        used = [t for t in flatten((relu.args, relu.kwargs)) if isinstance(t, KerasTensor)]
        if len(made) != 1 or len(used) != 1 or used[0] is not made[0] or consumers.get(id(made[0])) != 1:
            continue
        if id(made[0]) in model_outputs or relu.kwargs:
            continue
        layer = relu.layer
        if layer.threshold != 0 or layer.negative_slope != 0 or layer.activity_regularizer is not None:
            continue
        if bn.layer.activity_regularizer is not None or bn.layer.compute_dtype != layer.compute_dtype:
            continue
        summed = [t for t in flatten(bn.args) if isinstance(t, KerasTensor)]
        if type(bn.layer) is Add and (layer.max_value is not None or len(summed) != 2 or bn.kwargs):
            continue  # the fused Add takes two inputs and a plain ReLU (its mask is read off the output)
        pairs[i] = np.inf if layer.max_value is None else float(layer.max_value)
    return pairs
