"""Training settings and how they compile a model (no Qt)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LOSSES = ["auto", "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
          "mean_squared_error", "mean_absolute_error", "huber", "none (add_loss only)"]


def available_metrics() -> list[str]:
    """Metric names the engine's compile() accepts, "accuracy" first."""
    from engine import metrics

    names = [n for n in metrics.ALIASES if n.islower() and n not in ("acc", "accuracy", "mean", "sum")]
    return ["accuracy"] + sorted(names)


@dataclass
class TrainingSettings:
    """What the Training panel edits; `compile_model` applies it."""

    optimizer: str = "adam"
    learning_rate: float = 0.01
    batch_size: int = 32
    epochs: int = 20
    loss: str = "auto"
    metrics: list = field(default_factory=lambda: ["accuracy"])
    device: str = "cpu"
    seed: int = 0
    validation_fraction: float = 0.2

    def to_dict(self) -> dict:
        return asdict(self)

    def validate(self) -> None:
        """Raise ValueError naming the field and the value received."""
        from engine import optimizers

        if self.optimizer.lower() not in optimizers.ALIASES:
            raise ValueError(f"optimizer: unknown {self.optimizer!r}; known {sorted(optimizers.ALIASES)}")
        if not (self.learning_rate > 0) or self.learning_rate != self.learning_rate:
            raise ValueError(f"learning rate must be > 0; received {self.learning_rate!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch size must be an integer >= 1; received {self.batch_size!r}")
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1; received {self.epochs!r}")
        from engine import losses

        if self.loss not in LOSSES and self.loss not in losses.ALIASES:
            raise ValueError(f"loss: unknown {self.loss!r}; choose one of {LOSSES}")
        from engine import metrics

        for name in self.metrics:
            if name not in metrics.ALIASES:
                raise ValueError(f"metrics: unknown {name!r}; known {sorted(metrics.ALIASES)}")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation fraction must be in [0, 1); received {self.validation_fraction!r}")
        if self.device not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda'; received {self.device!r}")


def _output_activation(model):
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    if not outputs or len(outputs) != 1 or outputs[0].node is None:
        return None
    activation = getattr(outputs[0].node.layer, "activation", None)
    return getattr(activation, "__name__", None)


def _output_units(model):
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    return outputs[0].shape[-1] if outputs and len(outputs) == 1 else None


def resolve_loss(settings: TrainingSettings, model, task: str):
    """A Loss object (or None for add_loss-only models) for the settings, model and task.

    "auto" picks sparse categorical (or binary for one unit) cross-entropy for classification
    and mean squared error for regression; from_logits follows the output layer's activation.
    """
    from engine import losses

    name = settings.loss
    if name.startswith("none"):
        return None
    if name == "auto":
        if task == "regression":
            name = "mean_squared_error"
        else:
            name = "binary_crossentropy" if _output_units(model) == 1 else "sparse_categorical_crossentropy"
    if "crossentropy" in name:
        activation = _output_activation(model)
        from_logits = activation not in ("softmax", "sigmoid")
        cls = {"sparse_categorical_crossentropy": losses.SparseCategoricalCrossentropy,
               "categorical_crossentropy": losses.CategoricalCrossentropy,
               "binary_crossentropy": losses.BinaryCrossentropy}[name]
        return cls(from_logits=from_logits)
    return losses.get(name)


def compile_model(model, settings: TrainingSettings, task: str = "classification") -> None:
    """Compile `model` with the optimizer, learning rate, loss and metrics of `settings`."""
    from engine import optimizers

    settings.validate()
    optimizer = optimizers.ALIASES[settings.optimizer.lower()](learning_rate=settings.learning_rate)
    loss = resolve_loss(settings, model, task)
    metrics = list(settings.metrics) if loss is not None else None
    if task == "regression" and metrics:
        metrics = [m for m in metrics if m != "accuracy"] or None
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
