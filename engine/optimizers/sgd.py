"""Stochastic gradient descent with optional (Nesterov) momentum, as Keras 3 defines it."""

from __future__ import annotations

from engine.optimizers.adam import _kernel_ready
from engine.optimizers.base import Optimizer


class SGD(Optimizer):
    """v = momentum * v - lr * g; w += v (Nesterov: w += momentum * v - lr * g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.slot_names = ("momentum",) if self.momentum else ()

    def update(self, variable, grad, lr, slots):
        if not self.momentum:
            variable.data = variable.data - lr * grad
            return
        m = slots["momentum"]
        if _kernel_ready(variable.data, grad, m.data):
            # one compiled pass; same float operations as the numpy lines below
            from engine.backend import backend_of

            sgd_momentum_update = backend_of(variable.data).sgd_momentum_update
            shape = variable.data.shape
            new_var, new_velocity = sgd_momentum_update(variable.data.reshape(-1), grad.reshape(-1),
                                                        m.data.reshape(-1), float(lr), self.momentum,
                                                        self.nesterov)
            m.data, variable.data = new_velocity.reshape(shape), new_var.reshape(shape)
            return
        velocity = self.momentum * m.data - lr * grad
        m.data = velocity
        if self.nesterov:
            variable.data = variable.data + self.momentum * velocity - lr * grad
        else:
            variable.data = variable.data + velocity

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
