"""BatchNormalization followed by ReLU, run as one op in a functional model's eager calls.

`fusable_pairs(nodes, outputs)` finds, once per model, the recorded calls where a
`BatchNormalization`'s only output feeds nothing but the very next call, a plain `ReLU`
(no leak, no threshold, optional `max_value`) of the same compute dtype, with no activity
regularizer and not a model output. The model then asks the BatchNormalization layer to apply
the activation itself (`BatchNormalization.relu_cap`); in training on host (numpy) arrays
without a mask the layer does so in the normalization's pass and its backward (see
`ops.batch_normalization_fused`'s `activation_cap`), and the ReLU call is skipped. In every
other case the layer returns its plain output and the ReLU runs as usual. The numbers equal
the two layers' (same values, same gradients); what is skipped is the pre-activation array.
"""

from __future__ import annotations

import numpy as np

from engine.layers.symbolic import KerasTensor, flatten


def fusable_pairs(nodes, outputs):
    """{index of a BatchNormalization call: ReLU cap (np.inf: none)} for fusable neighbours."""
    from engine.layers.activations.relu import ReLU
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
        if type(bn.layer) is not BatchNormalization or type(relu.layer) is not ReLU:
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
        pairs[i] = np.inf if layer.max_value is None else float(layer.max_value)
    return pairs
