"""Adam and AdamW, with Keras 3's bias correction and epsilon placement."""

from __future__ import annotations

import numpy as np

from engine.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adaptive moment estimation."""

    slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        if amsgrad:
            self.slot_names = ("momentum", "velocity", "velocity_hat")

    def update(self, variable, grad, lr, slots):
        step = float(self.iterations.numpy_view())  # the counter lives on the host
        b1, b2 = self.beta_1, self.beta_2
        alpha = lr * np.sqrt(1 - b2**step) / (1 - b1**step)
        m, v = slots["momentum"], slots["velocity"]
        data = variable.data
        if not self.amsgrad and _kernel_ready(data, grad, m.data, v.data):
            # one compiled pass; same float operations as the numpy lines below
            if isinstance(data, np.ndarray):
                from engine.backend.cpu.optim_kernels import adam_update
            else:
                from engine.backend import backend_of

                adam_update = backend_of(data).adam_update
            shape = data.shape
            new_var, new_m, new_v = adam_update(data.reshape(-1), grad.reshape(-1), m.data.reshape(-1),
                                                v.data.reshape(-1), float(alpha), 1 - b1, 1 - b2, self.epsilon)
            m.data, v.data, variable.data = new_m.reshape(shape), new_v.reshape(shape), new_var.reshape(shape)
            return
        m.data = m.data + (grad - m.data) * (1 - b1)
        v.data = v.data + (np.square(grad) - v.data) * (1 - b2)
        denom = v.data
        if self.amsgrad:
            vh = slots["velocity_hat"]
            vh.data = np.maximum(vh.data, v.data)
            denom = vh.data
        variable.data = (variable.data - (m.data * alpha) / (np.sqrt(denom) + self.epsilon)).astype(variable.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        return config


def _kernel_ready(*arrays) -> bool:
    """Whether the compiled Adam kernel applies: C-contiguous float32/float64 arrays of one dtype,
    all numpy or all on one device backend (which has the same kernel)."""
    dtype = arrays[0].dtype
    if dtype != np.float32 and dtype != np.float64:
        return False
    if isinstance(arrays[0], np.ndarray):  # the CPU backend's arrays: checked without a backend lookup
        return all(isinstance(a, np.ndarray) and a.dtype == dtype and a.flags.c_contiguous for a in arrays)
    from engine.backend import backend_of

    backend = backend_of(arrays[0])
    if backend.name == "cpu":  # a numpy scalar
        return False
    return all(backend.owns(a) and a.dtype == dtype for a in arrays)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004, as Keras 3)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
