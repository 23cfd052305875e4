"""The `.keras` archive and `.weights.h5` files: writing them atomically, reading them safely.

A `.keras` file is a zip holding `metadata.json` ({"keras_version", "date_saved"}),
`config.json` (the model's Keras 3 config) and `model.weights.h5`. Reading never
extracts to disk and never unpickles: member sizes are checked against limits before any
byte is decompressed, and every read is capped at the size the archive declares.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import zipfile

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"

MAX_TOTAL_BYTES = 2 * 1024**3  # everything in the archive, uncompressed
MAX_JSON_BYTES = 64 * 1024**2
MAX_RATIO = 200  # uncompressed / compressed, for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024**2

KERAS_VERSION = "3.15.1"  # the Keras 3 release whose format we write


class CorruptFileError(ValueError):
    """The file is not a readable `.keras` archive or weights file."""


# -- writing ---------------------------------------------------------------------------------------
def atomic_write(filepath, write_fn, overwrite=True) -> None:
    """Call `write_fn(temp_path)`, then move the temp file onto `filepath` in one step."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists and overwrite=False; nothing was written.")
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to {filepath}: the folder {directory} does not exist.")
    fd, temp_path = tempfile.mkstemp(prefix=".strata-save-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write_fn(temp_path)
        os.chmod(temp_path, _file_mode(filepath))  # mkstemp makes it private; save as a normal file
        os.replace(temp_path, filepath)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise


def _file_mode(filepath) -> int:
    """The existing file's permissions, else those a newly created file gets (0o666 minus umask)."""
    try:
        return os.stat(filepath).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_keras_archive(model, filepath, overwrite=True) -> None:
    """Save config, metadata and weights of `model` to a `.keras` zip."""
    import h5py

    from engine.saving.serialization import serialize_keras_object, sharing_scope
    from engine.saving.weights_store import write_weights

    with sharing_scope():
        config_json = json.dumps(serialize_keras_object(model))
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        write_weights(h5file, model)

    def write(temp_path):
        with zipfile.ZipFile(temp_path, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA_NAME, json.dumps(metadata))
            archive.writestr(CONFIG_NAME, config_json)
            archive.writestr(WEIGHTS_NAME, buffer.getvalue())

    atomic_write(filepath, write, overwrite)


def write_weights_file(model, filepath, overwrite=True) -> None:
    """Save only the weights to a `.weights.h5` file."""
    import h5py

    from engine.saving.weights_store import write_weights

    def write(temp_path):
        with h5py.File(temp_path, "w") as h5file:
            write_weights(h5file, model)

    atomic_write(filepath, write, overwrite)


# -- reading ---------------------------------------------------------------------------------------
class KerasArchive:
    """A validated `.keras` zip opened for reading (use as a context manager)."""

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        if not os.path.exists(self.filepath):
            raise FileNotFoundError(f"No such file: {self.filepath}")
        if os.path.isdir(self.filepath):
            raise CorruptFileError(f"{self.filepath} is a folder, not a .keras file.")
        try:
            self.zip = zipfile.ZipFile(self.filepath, "r")
        except zipfile.BadZipFile as exc:
            raise CorruptFileError(
                f"{self.filepath} is not a valid .keras file: it is not a zip archive or it is truncated ({exc})."
            ) from None
        except OSError as exc:
            raise CorruptFileError(f"Could not read {self.filepath}: {exc}") from None
        try:
            self._check_members()
        except Exception:
            self.zip.close()
            raise

    def _check_members(self):
        total = 0
        for info in self.zip.infolist():
            name = info.filename
            if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                raise CorruptFileError(f"{self.filepath}: refusing archive member with unsafe path {name!r}.")
            total += info.file_size
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise CorruptFileError(
                    f"{self.filepath}: member {name!r} expands from {info.compress_size} to {info.file_size} bytes "
                    f"(ratio above {MAX_RATIO}); refusing a possible zip bomb."
                )
        if total > MAX_TOTAL_BYTES:
            raise CorruptFileError(
                f"{self.filepath}: the archive would expand to {total} bytes, above the {MAX_TOTAL_BYTES}-byte limit; "
                "refusing it."
            )
        if CONFIG_NAME not in self.zip.namelist():
            raise CorruptFileError(f"{self.filepath} is not a valid .keras file: it has no {CONFIG_NAME}.")

    def has(self, name) -> bool:
        """Whether the archive holds a member called `name`."""
        return name in self.zip.namelist()

    def read(self, name, limit=MAX_TOTAL_BYTES) -> bytes:
        """A member's bytes, never more than it declares (nor `limit`)."""
        info = self.zip.getinfo(name)
        if info.file_size > limit:
            raise CorruptFileError(f"{self.filepath}: member {name!r} is {info.file_size} bytes, above {limit}.")
        try:
            with self.zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise CorruptFileError(f"{self.filepath}: member {name!r} is corrupt or truncated ({exc}).") from None
        except Exception as exc:  # zlib errors surface as zlib.error
            raise CorruptFileError(f"{self.filepath}: member {name!r} could not be decompressed ({exc}).") from None
        if len(data) != info.file_size:
            raise CorruptFileError(f"{self.filepath}: member {name!r} does not match its declared size.")
        return data

    def read_json(self, name) -> dict:
        """A member parsed as a JSON object (a clear error naming the file when it is not one)."""
        data = self.read(name, MAX_JSON_BYTES)
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CorruptFileError(f"{self.filepath}: {name} is not valid JSON ({exc}).") from None
        if not isinstance(value, dict):
            raise CorruptFileError(f"{self.filepath}: {name} must hold a JSON object, found {type(value).__name__}.")
        return value

    def open_weights(self):
        """The archive's `model.weights.h5` as an open read-only h5py File (in memory)."""
        if not self.has(WEIGHTS_NAME):
            raise CorruptFileError(f"{self.filepath} is not a valid .keras file: it has no {WEIGHTS_NAME}.")
        return open_h5(io.BytesIO(self.read(WEIGHTS_NAME)), f"{self.filepath} ({WEIGHTS_NAME})")

    def close(self):
        """Close the zip file."""
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_h5(source, label):
    """Open an HDF5 file read-only; a clear error naming `label` when it is not one."""
    import h5py

    try:
        return h5py.File(source, "r")
    except (OSError, ValueError) as exc:
        raise CorruptFileError(f"{label} is not a valid HDF5 weights file (truncated or corrupt): {exc}") from None
