"""compile / fit / evaluate / predict, the Keras training loop on our engine."""

from __future__ import annotations

import numpy as np

from engine import ops, optimizers
from engine.autodiff.tape import GradientTape, stop_recording
from engine.autodiff.tensor import Tensor
from engine.callbacks.callback import CallbackList, History
from engine.callbacks.progbar import ProgbarLogger
from engine.layers.symbolic import flatten, map_structure
from engine.models import data_adapter
from engine.models.compile_utils import CompiledLoss, CompiledMetrics
from engine.metrics.reduction import Mean


def _on_model_device(method):
    """Run a loop method on the device the model was compiled under (`keras.device`)."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        from engine.backend import device
        from engine.backend.cpu.blas import single_threaded

        # numpy's BLAS runs single-threaded inside the loops: batch-sized GEMMs lose to its
        # thread start-up, badly on busy cores; the CPU kernels split big work over threads.
        from engine.layers.layer import structure_cache

        with device(getattr(self, "_device", "cpu") or "cpu"), single_threaded(), structure_cache():
            return method(self, *args, **kwargs)

    return wrapper


class _CompileArgs:
    """The arguments `compile` received, read by `engine.saving` (not a container: tracking skips it)."""

    def __init__(self, **arguments):
        self._arguments = arguments

    def get(self, key, default=None):
        return self._arguments.get(key, default)


class NoLossError(ValueError):
    """Raised when training has nothing to minimise."""


class Trainer:
    """Mixin for `Model`: needs `__call__`, `trainable_weights`, `losses`, `metrics`."""

    compiled = False

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, the loss (optional when layers call add_loss) and metrics."""
        if optimizer == "rmsprop" and "rmsprop" not in optimizers.ALIASES:
            optimizer = "adam"
        self.optimizer = optimizers.get(optimizer)
        # What compile received, for the saved compile_config (a namespace, so tracking skips it).
        self._compile_args = _CompileArgs(optimizer=self.optimizer, loss=loss, metrics=metrics,
                                          loss_weights=loss_weights, weighted_metrics=weighted_metrics)
        names = self.output_names
        self.compiled_loss = CompiledLoss(loss, loss_weights, names)
        self.loss = loss
        shapes = self._output_shapes()
        self._compiled_metrics = CompiledMetrics(metrics, names, self.compiled_loss.losses, shapes,
                                                 weighted_metrics=weighted_metrics)
        self._loss_tracker = Mean(name="loss")
        from engine.backend import current

        self._device = current().name
        self.compiled = True
        self.stop_training = False

    # -- properties the loop needs -----------------------------------------------------
    @property
    def output_names(self) -> list[str]:
        outputs = getattr(self, "_outputs", None)
        if isinstance(outputs, dict):
            return list(outputs)  # dict outputs are named by their keys
        if outputs is not None:
            return [t.node.layer.name if t.node is not None else t.name for t in flatten(outputs)]
        return ["output"]

    def _output_shapes(self):
        outputs = getattr(self, "_outputs", None)
        if outputs is None:
            return [None]
        return [t.shape for t in flatten(outputs)]

    @property
    def metrics(self):
        """The loss tracker, compiled metrics, then metrics tracked inside layers."""
        found = []
        if self.compiled:
            found.append(self._loss_tracker)
            found.extend(self.compiled_loss.trackers.values())
            found.extend(self._compiled_metrics.metrics)
        found.extend(super().metrics)
        return found

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call compile() before {what}.")

    # -- one step ------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Compiled loss (when y is given) plus every loss added by layers."""
        total = None
        if self.compiled_loss.active and y is not None:
            total = self.compiled_loss(y, y_pred, sample_weight)
        extra = self.losses
        if extra:
            added = extra[0] if len(extra) == 1 else ops.add_n(extra) if hasattr(ops, "add_n") else _sum(extra)
            if added.ndim:
                added = ops.reduce_sum(added)
            total = added if total is None else ops.add(total, ops.cast(added, total.dtype))
        if total is None:
            if y is None and self.compiled_loss.active:
                raise NoLossError(
                    "The model was compiled with a loss, but no targets (y) were given. "
                    "Pass y to fit(), or use layers that call add_loss()."
                )
            raise NoLossError(
                "No loss to compute. Provide a `loss` argument in `compile()`, "
                "or add losses in layers with `add_loss()`."
            )
        return total

    def train_step(self, data):
        """One gradient step on a batch; returns the logs."""
        x, y, sample_weight = data_adapter.unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        # Read after the forward pass: a subclassed model creates its weights on first call.
        variables = self.trainable_weights
        if variables:
            grads = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        return self._update_metrics(loss, x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on a batch without updating weights."""
        x, y, sample_weight = data_adapter.unpack(data)
        with stop_recording():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(loss, x, y, y_pred, sample_weight)

    def _update_metrics(self, loss, x, y, y_pred, sample_weight):
        with stop_recording():
            batch = data_adapter.num_samples(data_adapter.to_numpy_structure(x)) if x is not None else 1
            self._loss_tracker.update_state(loss, sample_weight=np.asarray(batch, dtype="float32"))
            if y is not None:
                self._compiled_metrics.update(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """Current value of every metric, by name (add_metric names included)."""
        logs = {}
        compiled = [self._loss_tracker, *self.compiled_loss.trackers.values(), *self._compiled_metrics.metrics]
        for metric in compiled:
            logs[metric.name] = float(metric.result())
        for name, tracker in self._added_metric_trackers().items():
            if name not in logs:
                logs[name] = float(tracker.result())
        return logs

    def _metrics_result_or_logs(self, logs) -> dict:
        """The metrics' epoch values, unless a custom step returned logs of its own (as Keras 3)."""
        results = self.get_metrics_result()
        if logs and not set(logs) <= set(results):
            return {k: float(v) if isinstance(v, (Tensor, np.ndarray, np.generic)) else v for k, v in logs.items()}
        return results

    def reset_metrics(self) -> None:
        """Zero every metric, those in layers and from add_metric included."""
        for metric in self.metrics:
            metric.reset_state()
        for tracker in self._added_metric_trackers().values():
            tracker.reset_state()

    # -- loops -----------------------------------------------------------------------------
    @_on_model_device
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1):
        """Train for `epochs` epochs; returns a `History`."""
        self._require_compiled("fit()")
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer. Received: epochs={epochs!r}")
        if validation_split and validation_data is None:
            if not data_adapter.is_array_data(x) and not isinstance(x, dict):
                raise ValueError("validation_split is only supported for arrays, not datasets or generators.")
            (x, y, sample_weight), validation_data = data_adapter.split_validation(x, y, sample_weight, validation_split)
        if class_weight is not None and y is not None:
            sample_weight = _class_weights(y, class_weight, sample_weight)
        train = data_adapter.make_batches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        val = None
        if validation_data is not None:
            vx, vy, vw = data_adapter.unpack(tuple(validation_data)) if isinstance(validation_data, tuple) else (validation_data, None, None)
            val = data_adapter.make_batches(vx, vy, vw, validation_batch_size or batch_size, False, validation_steps)
        verbose = 1 if verbose == "auto" else verbose
        history = History()
        cbs = list(callbacks or [])
        if verbose:
            cbs.append(ProgbarLogger(verbose))
        cbs.append(history)
        params = {"epochs": epochs, "steps": len(train) or None, "verbose": verbose}
        callback_list = CallbackList(cbs, self, params)
        self.stop_training = False
        self.history = history
        callback_list.on_train_begin()
        logs = {}
        from engine.random import generator

        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            step = -1
            for step, batch in enumerate(train.epoch(generator())):
                callback_list.on_train_batch_begin(step)
                logs = self.train_step(_pack(batch))
                callback_list.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError("The training data produced no batches.")
            epoch_logs = dict(self._metrics_result_or_logs(logs))
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val, CallbackList([], self, params))
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        return history

    def _run_evaluation(self, batches, callback_list):
        self.reset_metrics()
        callback_list.on_test_begin()
        logs = {}
        for step, batch in enumerate(batches.epoch()):
            callback_list.on_test_batch_begin(step)
            logs = self.test_step(_pack(batch))
            callback_list.on_test_batch_end(step, logs)
        logs = self._metrics_result_or_logs(logs)
        callback_list.on_test_end(logs)
        return logs

    @_on_model_device
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss and metrics on the data: a scalar, a list, or a dict with return_dict=True."""
        self._require_compiled("evaluate()")
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size, False, steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = list(callbacks or [])
        callback_list = CallbackList(cbs, self, {"steps": len(batches), "verbose": verbose})
        logs = self._run_evaluation(batches, callback_list)
        if verbose:
            from engine.callbacks.progbar import Progbar

            Progbar(len(batches) or 1).update(len(batches) or 1, logs, finalize=True)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    @_on_model_device
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for every sample, as numpy arrays (in the model's output structure)."""
        batches = data_adapter.make_batches(x, None, None, batch_size, False, steps)
        callback_list = CallbackList(list(callbacks or []), self, {"steps": len(batches)})
        callback_list.on_predict_begin()
        results = []
        with stop_recording():
            for step, (bx, _, _) in enumerate(batches.epoch()):
                callback_list.on_predict_batch_begin(step)
                out = self(bx, training=False)
                results.append(map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else np.asarray(t), out))
                callback_list.on_predict_batch_end(step, {"outputs": results[-1]})
        callback_list.on_predict_end()
        if not results:
            raise ValueError("predict() received no data.")
        first = results[0]
        if isinstance(first, dict):
            return {k: np.concatenate([r[k] for r in results]) for k in first}
        if isinstance(first, (list, tuple)):
            return type(first)(np.concatenate([r[i] for r in results]) for i in range(len(first)))
        return np.concatenate(results)

    @_on_model_device
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on exactly this batch."""
        self._require_compiled("train_on_batch()")
        self.reset_metrics()
        data = data_adapter.to_numpy_structure((x, y, sample_weight))
        logs = self.train_step(_pack(data))
        return logs if return_dict else _flat_logs(logs)

    @_on_model_device
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on exactly this batch."""
        self._require_compiled("test_on_batch()")
        self.reset_metrics()
        logs = self.test_step(_pack(data_adapter.to_numpy_structure((x, y, sample_weight))))
        return logs if return_dict else _flat_logs(logs)

    @_on_model_device
    def predict_on_batch(self, x):
        """Outputs for exactly this batch."""
        with stop_recording():
            out = self(data_adapter.to_numpy_structure(x), training=False)
        return map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else t, out)


def _pack(batch):
    """(x, y, sample_weight) without trailing Nones, as Keras hands batches to train_step."""
    x, y, sample_weight = batch
    if sample_weight is not None:
        return (x, y, sample_weight)
    return (x, y) if y is not None else (x,)


def _flat_logs(logs):
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _sum(values):
    total = values[0]
    for v in values[1:]:
        total = ops.add(total, v)
    return total


def _class_weights(y, class_weight, sample_weight):
    labels = np.asarray(y.numpy() if isinstance(y, Tensor) else y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(int)
    weights = np.asarray([class_weight.get(int(c), 1.0) for c in labels], dtype="float32")
    if sample_weight is not None:
        weights = weights * np.asarray(sample_weight, dtype="float32").reshape(len(weights))
    return weights
