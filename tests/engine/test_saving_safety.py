"""Loading is safe: no stored code runs by default, hostile or broken files give clear errors."""

import io
import json
import sys
import zipfile

import h5py
import numpy as np
import pytest

from engine import keras
from engine.saving import archive as archive_mod
from engine.saving.archive import CorruptFileError
from engine.saving.serialization import (
    UnknownObjectError, UnsafeLoadError, deserialize_keras_object, serialize_keras_object,
)

X4 = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4)


def _saved(tmp_path, name="m.keras"):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    path = tmp_path / name
    model.save(str(path))
    return path


def _rewrite(path, replace):
    """Copy the archive, replacing members: replace = {name: bytes or None (drop)}."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members.update(replace)
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            if data is not None:
                target.writestr(name, data)


def _write_config(tmp_path, config, name="crafted.keras"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "x"}))
        archive.writestr("config.json", json.dumps(config))
        buffer = io.BytesIO()
        with h5py.File(buffer, "w"):
            pass
        archive.writestr("model.weights.h5", buffer.getvalue())
    return str(path)


_RAN = {"count": 0}


def _mark_ran(x):
    _RAN["count"] += 1
    return x


def _lambda_model_config():
    """A Keras-style functional config with a Lambda layer that stores a Python lambda."""
    code = serialize_keras_object(lambda x: _mark_ran(x) * 2.0)
    return {
        "module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
        "config": {
            "name": "f", "trainable": True,
            "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None, "name": "x",
                 "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
                {"module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "doubler",
                 "config": {"name": "doubler", "function": code, "arguments": {}},
                 "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
                     "shape": [None, 4], "dtype": "float32", "keras_history": ["x", 0, 0]}}], "kwargs": {}}]},
            ],
            "input_layers": [["x", 0, 0]], "output_layers": [["doubler", 0, 0]],
        },
    }


def test_lambda_layer_is_refused_in_safe_mode_and_runs_nothing(tmp_path):
    path = _write_config(tmp_path, _lambda_model_config())
    _RAN["count"] = 0
    with pytest.raises(UnsafeLoadError, match='"doubler".*Lambda.*safe_mode=False'):
        keras.models.load_model(path)
    assert _RAN["count"] == 0


class ApplyFunction(keras.layers.Layer):
    """A custom layer storing a function in its config, like Keras' Lambda."""

    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, x):
        return self.fn(x)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["fn"] = deserialize_keras_object(config["fn"])
        return super().from_config(config)


def test_stored_lambda_needs_safe_mode_false(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, ApplyFunction(lambda x: x * 3.0, name="triple")(inputs))
    path = str(tmp_path / "fn.keras")
    model.save(path)
    custom = {"ApplyFunction": ApplyFunction}
    with pytest.raises(UnsafeLoadError, match='"triple".*safe_mode=False'):
        keras.models.load_model(path, custom_objects=custom)
    loaded = keras.models.load_model(path, custom_objects=custom, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(X4, verbose=0), X4 * 3.0, rtol=1e-6)


def test_unknown_class_names_the_class_and_layer_and_imports_nothing(tmp_path):
    config = _lambda_model_config()
    config["config"]["layers"][1].update({"class_name": "Sneaky", "module": "tests.engine.never_imported_module"})
    config["config"]["layers"][1]["config"] = {"name": "sneak"}
    path = _write_config(tmp_path, config)
    with pytest.raises(UnknownObjectError,
                       match=r"crafted.keras: Layer \"sneak\" uses class 'Sneaky'.*not built into Strata.*custom_objects"):
        keras.models.load_model(path)
    assert "tests.engine.never_imported_module" not in sys.modules


def test_not_a_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.keras"
    path.write_bytes(b"this is not a zip archive at all" * 10)
    with pytest.raises(CorruptFileError, match="junk.keras.*not a zip"):
        keras.models.load_model(str(path))
    with pytest.raises(CorruptFileError, match="junk.keras"):
        keras.models.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).load_weights(str(path))


def test_truncated_archive_is_a_clear_error(tmp_path):
    path = _saved(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="m.keras"):
        keras.models.load_model(str(path))


def test_missing_config_and_bad_json(tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, {"config.json": None})
    with pytest.raises(CorruptFileError, match="m.keras.*no config.json"):
        keras.models.load_model(str(path))
    path = _saved(tmp_path, "b.keras")
    _rewrite(path, {"config.json": b"{not json"})
    with pytest.raises(CorruptFileError, match="b.keras.*config.json is not valid JSON"):
        keras.models.load_model(str(path))


def test_bad_weights_member_is_a_clear_error(tmp_path):
    path = _saved(tmp_path)
    _rewrite(path, {"model.weights.h5": b"\x89HDF garbage that is not hdf5"})
    with pytest.raises(CorruptFileError, match="m.keras.*model.weights.h5.*not a valid HDF5"):
        keras.models.load_model(str(path))
    weights = tmp_path / "w.weights.h5"
    weights.write_bytes(b"nope")
    with pytest.raises(CorruptFileError, match="w.weights.h5"):
        keras.models.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).load_weights(str(weights))


def test_non_numeric_weights_are_refused(tmp_path):
    path = tmp_path / "s.weights.h5"
    with h5py.File(path, "w") as f:
        group = f.create_group("layers/dense/vars")
        group.create_dataset("0", data=np.array([b"abc", b"def"], dtype=h5py.string_dtype()))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="non-numeric"):
        model.load_weights(str(path))


def test_zip_bomb_ratio_is_refused_before_extraction(tmp_path, monkeypatch):
    path = _saved(tmp_path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("assets/padding.bin", b"\0" * (4 * 1024 * 1024))
    opened = []
    original_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or original_open(self, *a, **k))
    with pytest.raises(CorruptFileError, match="padding.bin.*zip bomb"):
        keras.models.load_model(str(path))
    assert opened == []


def test_archive_total_size_limit(tmp_path, monkeypatch):
    path = _saved(tmp_path)
    monkeypatch.setattr(archive_mod, "MAX_TOTAL_BYTES", 100)
    with pytest.raises(CorruptFileError, match="m.keras.*would expand to .* bytes"):
        keras.models.load_model(str(path))


def test_member_larger_than_declared_is_refused(tmp_path):
    path = _saved(tmp_path)
    # Forge the central directory so config.json declares 5 bytes fewer than it holds.
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as probe:
        info = probe.getinfo("config.json")
    central = raw.rfind(b"config.json")
    # In a central directory entry the uncompressed size is the 4 bytes at offset 24.
    entry_start = raw.rfind(b"PK\x01\x02", 0, central)
    raw[entry_start + 24: entry_start + 28] = (info.file_size - 5).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError, match="m.keras"):
        keras.models.load_model(str(path))


def test_keras_written_lambda_loads_only_outside_safe_mode():
    from keras.src.utils.python_utils import func_dump

    offset = 1.5
    stored = {"class_name": "__lambda__", "config": {"value": list(func_dump(lambda x: x * 2.0 + offset))}}
    with pytest.raises(UnsafeLoadError):
        deserialize_keras_object(stored)
    fn = deserialize_keras_object(stored, safe_mode=False)
    assert fn(3.0) == 7.5
