"""Saving and loading in Keras 3's own formats (`.keras` archives and `.weights.h5` files).

    save_model(model, "m.keras")            load_model("m.keras", custom_objects=..., safe_mode=True)
    save_weights(model, "m.weights.h5")     load_weights(model, "m.weights.h5" or "m.keras")

Files written here load in real Keras 3 and files from Keras 3 load here. Loading never
unpickles, never imports a module named in a file and never runs code stored in a file
unless the caller passes `safe_mode=False`.
"""

from __future__ import annotations

import os


def _path(filepath) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"Expected a file path (str or os.PathLike). Received: {filepath!r}")
    return os.fspath(filepath)


def _naming_file(exc, path):
    """`exc` with its message starting with the file it came from (same exception type)."""
    message = str(exc)
    if message.startswith(path):
        return exc
    try:
        return type(exc)(f"{path}: {message}")
    except TypeError:
        return ValueError(f"{path}: {message}")


def save_model(model, filepath, overwrite=True) -> None:
    """Write `model` (config, weights, optimizer state) to a `.keras` file atomically."""
    from engine.saving.archive import write_keras_archive

    path = _path(filepath)
    if not path.endswith(".keras"):
        raise ValueError(
            f"Invalid filepath extension for saving: {path}. Use a `.keras` extension "
            "(or model.save_weights with a `.weights.h5` name)."
        )
    write_keras_archive(model, path, overwrite=overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model from a `.keras` file: architecture, weights and (compile=True) its compile state."""
    from engine.saving.archive import KerasArchive
    from engine.saving.serialization import deserialize_keras_object, sharing_scope
    from engine.saving.weights_store import read_weights

    path = _path(filepath)
    if not path.endswith(".keras"):
        raise ValueError(f"load_model expects a `.keras` file. Received: {path}")
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects must be a dict of name -> class or function. Received: {custom_objects!r}")
    with KerasArchive(path) as archive:
        config = archive.read_json("config.json")
        if "class_name" not in config or "config" not in config:
            raise ValueError(f"{path}: config.json does not describe a model (no class_name/config).")
        if not compile:
            config = {k: v for k, v in config.items() if k != "compile_config"}
        try:
            with sharing_scope():
                model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
        except (ValueError, TypeError) as exc:
            raise _naming_file(exc, path) from exc
        from engine.layers.layer import Layer

        if not isinstance(model, Layer):
            raise ValueError(f"{path}: config.json describes a {type(model).__name__}, not a model.")
        with archive.open_weights() as h5file:
            read_weights(h5file, model, source=f"{path} ({'model.weights.h5'})")
    return model


def save_weights(model, filepath, overwrite=True) -> None:
    """Write the model's weights (and optimizer state) to a `.weights.h5` file atomically."""
    from engine.saving.archive import write_weights_file

    path = _path(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    write_weights_file(model, path, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False) -> None:
    """Load weights from a `.weights.h5` file or the weights inside a `.keras` file."""
    from engine.saving.archive import KerasArchive, open_h5
    from engine.saving.weights_store import read_weights

    path = _path(filepath)
    if path.endswith(".keras"):
        with KerasArchive(path) as archive, archive.open_weights() as h5file:
            read_weights(h5file, model, skip_mismatch=skip_mismatch, source=f"{path} (model.weights.h5)")
        return
    if not path.endswith(".weights.h5"):
        raise ValueError(f"load_weights expects a `.weights.h5` or `.keras` file. Received: {path}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path}")
    with open_h5(path, path) as h5file:
        read_weights(h5file, model, skip_mismatch=skip_mismatch, source=path)


__all__ = ["save_model", "load_model", "save_weights", "load_weights"]
