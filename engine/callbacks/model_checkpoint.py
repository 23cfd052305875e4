"""`ModelCheckpoint`: save the model (or its weights) during training."""

from __future__ import annotations

import os
import warnings

from engine.callbacks.monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save after every epoch (or every `save_freq` batches) to `filepath`.

    `filepath` may hold format fields: `{epoch}` (1-based) and any logged value, e.g.
    "ckpt-{epoch:02d}-{val_loss:.2f}.keras". With `save_best_only`, save only when
    `monitor` improves on the best so far (and on `initial_value_threshold`).
    Keras 3 rules: full models go to ".keras" files, weights to ".weights.h5" files.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive integer. Received: {save_freq!r}")
        self.save_freq = save_freq
        self.best = initial_value_threshold
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
                             f"must end in `.weights.h5` (Keras weights format). Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")
        self._current_epoch = 0
        self._batches_seen = 0
        self.saved_paths: list[str] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def should_save(self, logs) -> bool:
        """Whether the current logs call for a save (always, unless save_best_only)."""
        if not self.save_best_only:
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return False
        if self._is_improvement(float(current), self.best):
            if self.verbose > 0:
                print(f"\nEpoch {self._current_epoch + 1}: {self.monitor} improved from {self.best} to "
                      f"{float(current):.5f}, saving model to {self._path(self._current_epoch, None, logs)}")
            self.best = float(current)
            return True
        if self.verbose > 0:
            print(f"\nEpoch {self._current_epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
        return False

    def _path(self, epoch, batch, logs) -> str:
        try:
            if batch is None or "batch" in self.filepath:
                return self.filepath.format(epoch=epoch + 1, batch=(batch or 0) + 1, **(logs or {}))
            return self.filepath.format(epoch=epoch + 1, **(logs or {}))
        except KeyError as exc:
            raise KeyError(f'ModelCheckpoint: failed to format filepath "{self.filepath}": '
                           f"no logged value named {exc}. Logged: {sorted(logs or {})}") from exc

    def _save(self, epoch, batch, logs):
        self._current_epoch = epoch
        if not self.should_save(logs):
            return
        path = self._path(epoch, batch, logs)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)
        self.saved_paths.append(path)
