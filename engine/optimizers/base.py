"""`Optimizer`: turns gradients into variable updates (Keras 3 semantics)."""

from __future__ import annotations

import numpy as np

from engine.autodiff.tensor import Tensor
from engine.variables import Variable


class Optimizer:
    """Base class: learning rate (float or schedule), clipping, weight decay, slots.

    Subclasses implement `update(variable, grad, lr, slots)` on raw arrays and
    `slot_names` for their per-variable state.
    """

    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments: {sorted(kwargs)}")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of clipnorm, clipvalue and global_clipnorm can be set.")
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            if value is not None and not value > 0:
                raise ValueError(f"{type(self).__name__}: {arg} must be positive. Received: {arg}={value}")
        from engine.layers.naming import snake_case

        self.name = name or snake_case(type(self).__name__)
        self._learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        from engine.backend import device

        with device("cpu"):  # the step counter is read on the host every step
            self.iterations = Variable(np.asarray(0, dtype="int64"), trainable=False, name="iteration")
        self._slots: dict[int, dict[str, np.ndarray]] = {}
        self._slot_variables: dict[int, dict[str, Variable]] = {}
        self._built_for: list[Variable] = []
        self._exclude_from_weight_decay: set[str] = set()
        if not callable(learning_rate) and not (isinstance(learning_rate, (int, float)) and learning_rate >= 0):
            raise ValueError(f"{type(self).__name__}: learning_rate must be a non-negative number or a schedule. "
                             f"Received: learning_rate={learning_rate!r}")

    # -- learning rate --------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        lr = self._learning_rate
        if callable(lr):
            return float(lr(int(self.iterations.numpy())))
        return float(lr)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = value

    lr = learning_rate

    # -- state -----------------------------------------------------------------------
    def build(self, variables) -> None:
        """Create slot variables for `variables`."""
        for v in variables:
            if v.uid not in self._slot_variables:
                slots = {}
                for name in self.slot_names:
                    slot = Variable(np.zeros(v.shape, dtype=v.dtype), trainable=False, name=f"{v.name}_{name}")
                    slot.data = np.zeros_like(v.data)  # on the variable's own device
                    slot.path = f"{self.name}/{v.path.replace('/', '_')}_{name}"
                    slots[name] = slot
                self._slot_variables[v.uid] = slots
                self._built_for.append(v)

    @property
    def variables(self) -> list[Variable]:
        """Iteration counter then each variable's slots, in build order."""
        out = [self.iterations]
        for v in self._built_for:
            out.extend(self._slot_variables[v.uid].values())
        return out

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        for v in var_list or ():
            self._exclude_from_weight_decay.add(v.path)
        for n in var_names or ():
            self._exclude_from_weight_decay.add(n)

    # -- applying ----------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> None:
        """Update each variable from its gradient; None gradients are skipped."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            return
        for g, v in pairs:
            if not isinstance(v, Variable):
                raise TypeError(f"apply_gradients expects (gradient, Variable) pairs. Received: {type(v).__name__}")
        self.build([v for _, v in pairs])
        grads = [_array(g) for g, _ in pairs]
        grads = self._clip(grads)
        lr = self.learning_rate
        self.iterations.assign(self.iterations.numpy() + 1)
        for g, (_, v) in zip(grads, pairs):
            if g.shape != v.shape:
                raise ValueError(f"Gradient shape {g.shape} does not match variable '{v.path}' shape {v.shape}.")
            g = g.astype(v.dtype, copy=False)
            if self.weight_decay and not self._excluded(v):
                v.data = v.data - v.data * (lr * self.weight_decay)
            slots = {k: s for k, s in self._slot_variables[v.uid].items()}
            self.update(v, g, lr, slots)
            if v.constraint is not None:
                v.data = np.asarray(v.constraint(v.data), dtype=v.dtype)

    def apply(self, grads, trainable_variables=None):
        """Keras 3 spelling: apply(grads, variables)."""
        self.apply_gradients(zip(grads, trainable_variables))

    def minimize(self, loss, var_list, tape=None):
        """Compute gradients of `loss` with `tape` and apply them."""
        if tape is None:
            raise ValueError("minimize needs the GradientTape that recorded the loss.")
        grads = tape.gradient(loss, var_list)
        self.apply_gradients(zip(grads, var_list))

    def _excluded(self, v) -> bool:
        return v.path in self._exclude_from_weight_decay or any(n in v.name for n in self._exclude_from_weight_decay)

    def _clip(self, grads):
        if self.clipvalue is not None:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            clipped = []
            for g in grads:
                norm = float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
                clipped.append(g * (self.clipnorm / norm) if norm > self.clipnorm else g)
            grads = clipped
        if self.global_clipnorm is not None:
            total = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads)))
            if total > self.global_clipnorm:
                grads = [g * (self.global_clipnorm / total) for g in grads]
        return grads

    def update(self, variable: Variable, grad: np.ndarray, lr: float, slots: dict) -> None:
        raise NotImplementedError

    # -- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        from engine.optimizers.schedules import serialize_lr

        return {
            "name": self.name, "learning_rate": serialize_lr(self._learning_rate),
            "weight_decay": self.weight_decay, "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
            "loss_scale_factor": None, "gradient_accumulation_steps": None,
        }

    @classmethod
    def from_config(cls, config):
        from engine.optimizers.schedules import deserialize_lr

        config = dict(config)
        config["learning_rate"] = deserialize_lr(config.get("learning_rate", 0.001))
        return cls(**config)


def _array(g):
    if isinstance(g, Tensor):
        return g.data
    return g if hasattr(g, "shape") else np.asarray(g)
