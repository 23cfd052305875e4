"""Adamax, Nadam, Adadelta and Lion, with Keras 3's defaults and update rules."""

from __future__ import annotations

import numpy as np

from engine.optimizers.base import Optimizer
from engine.variables import Variable


class Adamax(Optimizer):
    """Adam with the infinity norm: u = max(beta_2 * u, |g|)."""

    slot_names = ("m", "u")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def update(self, variable, grad, lr, slots):
        step = float(self.iterations.numpy())
        m, u = slots["m"], slots["u"]
        m.data = m.data + (grad - m.data) * (1 - self.beta_1)
        u.data = np.maximum(self.beta_2 * u.data, np.abs(grad))
        step_size = lr * m.data / ((1 - self.beta_1**step) * (u.data + self.epsilon))
        variable.data = (variable.data - step_size).astype(variable.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Nadam(Optimizer):
    """Adam with Nesterov momentum and the momentum schedule mu_t = beta_1 * (1 - 0.5 * 0.96**t)."""

    slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._u_product = Variable(np.asarray(1.0, dtype="float32"), trainable=False, name="u_product")

    def _mu(self, step):
        return self.beta_1 * (1.0 - 0.5 * 0.96**step)

    def apply_gradients(self, grads_and_vars):
        pairs = [(g, v) for g, v in grads_and_vars]
        if any(g is not None for g, _ in pairs):
            step = float(self.iterations.numpy()) + 1
            self._u_product.assign(np.asarray(float(self._u_product.numpy()) * self._mu(step), dtype="float32"))
        super().apply_gradients(pairs)

    def update(self, variable, grad, lr, slots):
        step = float(self.iterations.numpy())
        u_t, u_next = self._mu(step), self._mu(step + 1)
        u_product = float(self._u_product.numpy())
        m, v = slots["momentum"], slots["velocity"]
        m.data = m.data + (grad - m.data) * (1 - self.beta_1)
        v.data = v.data + (np.square(grad) - v.data) * (1 - self.beta_2)
        m_hat = u_next * m.data / (1 - u_product * u_next) + (1 - u_t) * grad / (1 - u_product)
        v_hat = v.data / (1 - self.beta_2**step)
        variable.data = (variable.data - m_hat * lr / (np.sqrt(v_hat) + self.epsilon)).astype(variable.dtype,
                                                                                             copy=False)

    @property
    def variables(self):
        out = super().variables
        return out[:1] + [self._u_product] + out[1:]

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Adadelta(Optimizer):
    """Step sizes from running averages of squared gradients and squared updates."""

    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def update(self, variable, grad, lr, slots):
        rho, eps = self.rho, self.epsilon
        acc_grad, acc_delta = slots["accumulated_grad"], slots["accumulated_delta_var"]
        acc_grad.data = rho * acc_grad.data + (1 - rho) * np.square(grad)
        delta = -np.sqrt(acc_delta.data + eps) * grad / np.sqrt(acc_grad.data + eps)
        acc_delta.data = rho * acc_delta.data + (1 - rho) * np.square(delta)
        variable.data = (variable.data + lr * delta).astype(variable.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


class Lion(Optimizer):
    """Sign of an interpolated momentum: w -= lr * sign(beta_1 * m + (1 - beta_1) * g)."""

    slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Lion: beta_1 must be in (0, 1]. Received: beta_1={beta_1}")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def update(self, variable, grad, lr, slots):
        m = slots["momentum"]
        direction = np.sign(m.data * self.beta_1 + grad * (1 - self.beta_1))
        variable.data = (variable.data - lr * direction).astype(variable.dtype, copy=False)
        m.data = m.data * self.beta_2 + grad * (1 - self.beta_2)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
