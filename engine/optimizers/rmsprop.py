"""RMSprop and Adagrad, with Keras 3's defaults and epsilon placement."""

from __future__ import annotations

import numpy as np

from engine.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients.

    velocity = rho * velocity + (1 - rho) * g**2 (centered: minus the squared running mean
    of g); step = lr * g / sqrt(velocity + epsilon); with momentum the step is accumulated.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= rho <= 1:
            raise ValueError(f"RMSprop: rho must be in [0, 1]. Received: rho={rho}")
        self.rho, self.momentum, self.epsilon, self.centered = float(rho), float(momentum), float(epsilon), bool(centered)
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        self.slot_names = tuple(names)

    def update(self, variable, grad, lr, slots):
        rho = self.rho
        velocity = slots["velocity"]
        velocity.data = rho * velocity.data + (1 - rho) * np.square(grad)
        denominator = velocity.data + self.epsilon
        if self.centered:
            average = slots["average_gradient"]
            average.data = rho * average.data + (1 - rho) * grad
            denominator = denominator - np.square(average.data)
        step = lr * grad / np.sqrt(denominator)
        if self.momentum > 0:
            moment = slots["momentum"]
            moment.data = self.momentum * moment.data + step
            step = moment.data
        variable.data = (variable.data - step).astype(variable.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered})
        return config


class Adagrad(Optimizer):
    """Per-parameter rates that shrink with the sum of squared gradients seen so far."""

    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def build(self, variables):
        fresh = [v for v in variables if v.uid not in self._slot_variables]
        super().build(variables)
        for v in fresh:
            slot = self._slot_variables[v.uid]["accumulator"]
            slot.data = np.full(v.shape, self.initial_accumulator_value, dtype=v.dtype)

    def update(self, variable, grad, lr, slots):
        accumulator = slots["accumulator"]
        accumulator.data = accumulator.data + np.square(grad)
        variable.data = (variable.data - lr * grad / np.sqrt(accumulator.data + self.epsilon)).astype(
            variable.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config
