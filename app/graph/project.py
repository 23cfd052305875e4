"""`.strata` project files: a zip of project.json, weights.npz and history.json.

Saves are atomic (temp file in the same folder, fsync, os.replace) and keep the previous file
as `NAME.strata.bak`. Loading validates everything before returning and raises `ProjectError`
naming the file and the place; nothing on disk changes when loading fails. Older schemas are
migrated; newer ones are refused. Custom Layer code never runs unless the project's content
hash is in the user's `TrustStore`: untrusted projects load with those nodes inactive.
"""

from __future__ import annotations

import hashlib
import math
import io
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from app.graph.document import CUSTOM, Document
from app.graph.serialize import SCHEMA_VERSION, ProjectError, document_from_dict, document_to_dict
from app.graph.weights import WeightStore

MAX_MEMBER_BYTES = 2 * 1024 ** 3

# Folders whose project files are trusted without asking: the examples shipped with Strata.
TRUSTED_DIRECTORIES: list[Path] = [Path(__file__).resolve().parents[2] / "resources" / "examples"]


def in_trusted_directory(path) -> bool:
    """Whether `path` (symlinks resolved) lies inside one of TRUSTED_DIRECTORIES."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return False
    return any(resolved.is_relative_to(folder.resolve()) for folder in TRUSTED_DIRECTORIES)


def default_settings_path() -> Path:
    """Where the trust list lives: trust.json in app.userdirs.config_dir() ($STRATA_CONFIG_DIR,
    else $XDG_CONFIG_HOME/strata, else ~/.config/strata)."""
    from app.userdirs import config_dir

    return config_dir() / "trust.json"


class TrustStore:
    """Content hashes of projects whose custom code the user trusts, kept in a JSON file."""

    def __init__(self, path=None):
        self.path = Path(path) if path else default_settings_path()

    def _read(self) -> set:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return set(data.get("trusted", [])) if isinstance(data, dict) else set()
        except (OSError, ValueError):
            return set()

    def is_trusted(self, content_hash: str) -> bool:
        return content_hash in self._read()

    def trust(self, content_hash: str) -> None:
        """Remember `content_hash`; creates the folder on first use. Raises OSError naming the
        folder or the file when it cannot."""
        from app.userdirs import ensure_folder

        hashes = self._read() | {content_hash}
        ensure_folder(self.path.parent, "configuration")
        atomic_write_bytes(self.path, json.dumps({"trusted": sorted(hashes)}, indent=2).encode(), private=True)


def atomic_write_bytes(path, data: bytes, backup: bool = False, private: bool = False) -> None:
    """Write `data` to `path` atomically (temp, fsync, rename); keep `path.bak` if asked.
    The file keeps the permissions of the one it replaces, or gets ordinary ones (the umask
    applies); `private` leaves it readable by its owner only (recovery copies, trust store)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        if not private:
            os.chmod(tmp, _ordinary_mode(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if backup and path.exists():
            fd2, tmp_bak = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".bak.tmp", dir=str(path.parent))
            os.close(fd2)
            shutil.copy2(path, tmp_bak)
            os.replace(tmp_bak, str(path) + ".bak")
        os.replace(tmp, path)
        try:
            dir_fd = os.open(str(path.parent), os.O_RDONLY)
            os.fsync(dir_fd)
            os.close(dir_fd)
        except OSError:
            pass
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _ordinary_mode(path: Path) -> int:
    """The mode of the file at `path`, or what a new file gets under the umask (mkstemp's is 0600)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def has_custom_code(doc: Document) -> bool:
    return any(n.type == CUSTOM for b in doc.blocks.values() for n in b.nodes.values())


def project_bytes(doc: Document) -> tuple[bytes, str]:
    """The .strata zip for `doc` and the content hash of its project.json."""
    data = document_to_dict(doc)
    arrays, index = (doc.weights or WeightStore()).to_arrays()
    data["weights_index"] = index
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_info("project.json"), text.encode("utf-8"))
        weights = io.BytesIO()
        np.savez(weights, **arrays)
        archive.writestr(_info("weights.npz", zipfile.ZIP_STORED), weights.getvalue())   # floats barely compress
        archive.writestr(_info("history.json"), json.dumps(doc.history, indent=1, sort_keys=True,
                                                           allow_nan=True).encode())
    return buffer.getvalue(), content_hash(text.encode("utf-8"))


def _info(name, compression=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = compression
    return info


def content_hash(project_json: bytes) -> str:
    return hashlib.sha256(project_json).hexdigest()


def save_project(doc: Document, path, trust: TrustStore | None = None) -> None:
    """Save atomically, keeping the previous version as PATH.bak. A trusted document's
    new content is added to `trust` so reopening it needs no new confirmation."""
    from app.graph.catalogue import node_type, param_error

    for b in doc.blocks.values():
        for n in b.nodes.values():
            t = node_type(n.type)
            for key, value in n.params.items():
                if isinstance(value, float) and not math.isfinite(value):
                    raise ProjectError(f"{path}: cannot save: node {n.label!r} parameter {key} is {value} (NaN or infinite)")
                spec = t.param(key) if t else None
                message = param_error(spec, value) if spec is not None else None
                if message:
                    raise ProjectError(f"{path}: cannot save: node {n.label!r}: {message}")
    payload, digest = project_bytes(doc)
    atomic_write_bytes(path, payload, backup=True)
    doc.content_hash = digest
    if trust is not None and doc.trusted and has_custom_code(doc):
        trust.trust(digest)


def migrate(data: dict, where: str) -> dict:
    """Bring an older project.json structure to SCHEMA_VERSION; refuse newer ones."""
    version = data.get("schema", data.get("version"))
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectError(f"{where}: schema: expected an integer version, got {version!r}")
    if version > SCHEMA_VERSION:
        raise ProjectError(f"{where}: schema {version} is newer than this Strata understands "
                           f"(up to {SCHEMA_VERSION}); update Strata to open it.")
    if version < 1:
        raise ProjectError(f"{where}: schema: unknown version {version}")
    if version == 1:
        # Version 1 kept the Model's nodes and edges at the top level and called blocks "subgraphs".
        data = dict(data)
        blocks = {"model": {"name": data.pop("name", "Model"), "nodes": data.pop("nodes", {}),
                            "edges": data.pop("edges", {})}}
        blocks.update(data.pop("subgraphs", {}))
        data["blocks"] = blocks
        data.pop("version", None)
        data["schema"] = 2
    return data


def load_project(path, trust: TrustStore | None = None) -> Document:
    """Read a .strata file. Raises ProjectError naming the file and the place."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ProjectError(f"{path}: not a Strata project (not a zip archive, or truncated)") from None
    with archive:
        if "project.json" not in names:
            hint = (": this is a Keras model; convert it with strata import"
                    if "config.json" in names else "")
            raise ProjectError(f"{path}: project.json is missing from the archive{hint}")
        project_json = _member(archive, "project.json", path)
        where = f"{path}: project.json"
        try:
            data = json.loads(project_json.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise ProjectError(f"{where}: not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise ProjectError(f"{where}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except ValueError as exc:
            raise ProjectError(f"{where}: {exc}") from None
        if not isinstance(data, dict):
            raise ProjectError(f"{where}: expected a JSON object")
        data = migrate(data, where)
        doc = document_from_dict(data, where)
        index = data.get("weights_index", {})
        if not isinstance(index, dict):
            raise ProjectError(f"{where}: weights_index: expected an object")
        doc.weights = WeightStore()
        if index:
            if "weights.npz" not in names:
                raise ProjectError(f"{path}: weights.npz is missing but project.json lists weights")
            blob = _member(archive, "weights.npz", path)
            try:
                with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
                    arrays = {k: npz[k] for k in npz.files}
            except Exception as exc:  # corrupt npz, pickled objects
                reason = str(exc)
                if "pickle" in reason:    # numpy's advice to load it unsafely does not apply here
                    reason = "not NumPy arrays, or Python objects, which Strata never loads"
                raise ProjectError(f"{path}: weights.npz: unreadable ({reason})") from None
            try:
                doc.weights = WeightStore.from_arrays(arrays, index, f"{path}: weights.npz")
            except ValueError as exc:
                raise ProjectError(str(exc)) from None
        if "history.json" in names:
            try:
                history = json.loads(_member(archive, "history.json", path).decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise ProjectError(f"{path}: history.json: {exc}") from None
            if not isinstance(history, list):
                raise ProjectError(f"{path}: history.json: expected a list of runs")
            doc.history = history
    doc.content_hash = content_hash(project_json)
    doc.trusted = (not has_custom_code(doc) or in_trusted_directory(path)
                   or (trust is not None and trust.is_trusted(doc.content_hash)))
    doc.path = str(path)
    doc.recheck()
    if doc.weights:
        from app.graph.weight_check import weight_shape_problems

        problems = weight_shape_problems(doc, f"{path}: weights.npz")
        if problems:
            raise ProjectError("; ".join(problems[:10]) + (f" (and {len(problems) - 10} more)"
                                                            if len(problems) > 10 else ""))
    return doc


def trust_document(doc: Document, trust: TrustStore) -> None:
    """The user trusts this project: activate its custom code and remember its hash (an OSError
    from writing the trust list comes after the activation)."""
    doc.trusted = True
    doc._mark_block("model")
    for bid in doc.blocks:
        doc._mark_block(bid)
    doc.recheck()
    if getattr(doc, "content_hash", None):
        trust.trust(doc.content_hash)


def _member(archive, name, path) -> bytes:
    try:
        info = archive.getinfo(name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ProjectError(f"{path}: {name} is too large ({info.file_size} bytes)")
        return archive.read(name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ProjectError(f"{path}: {name}: corrupt or truncated ({exc})") from None
    except Exception as exc:  # zlib errors on damaged data
        if isinstance(exc, ProjectError):
            raise
        raise ProjectError(f"{path}: {name}: corrupt ({exc})") from None


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in project.json")
