"""`Callback`: hooks into fit/evaluate/predict. The GUI trains through these too."""

from __future__ import annotations


class Callback:
    """Override any hook; `self.model` is set before training starts."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...

    # tf.keras 2 spellings
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList:
    """Calls the same hook on each callback in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def __getattr__(self, name):
        if name not in _HOOKS:
            raise AttributeError(name)

        indexed = "batch" in name or "epoch" in name

        def dispatch(*args, **kwargs):
            # always pass logs positionally, as Keras does (LambdaCallback functions rely on it)
            logs = kwargs.get("logs", args[1] if indexed and len(args) > 1 else args[0] if not indexed and args else None)
            call_args = (args[0], logs) if indexed else (logs,)
            for cb in self.callbacks:
                getattr(cb, name)(*call_args)
                if name == "on_train_batch_begin":
                    cb.on_batch_begin(*call_args)
                elif name == "on_train_batch_end":
                    cb.on_batch_end(*call_args)

        return dispatch


class History(Callback):
    """Records each epoch's logs: `history.history["loss"]` is a list, one entry per epoch."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"<keras.callbacks.History object at {hex(id(self))}>"
