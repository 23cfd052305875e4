"""Per-node weights kept with the document, so recompiling keeps what training learned.

Weights are stored by node path: the node id in the Model (`"n5"`), or the instance path for
nodes inside blocks (`"n20/n5"`); instances marked shared use `"shared:b8/n5"`. Each entry
remembers the node's signature (type, parameters, input shapes); a recompile restores an
entry only if the node's signature is unchanged.
"""

from __future__ import annotations

import numpy as np


class WeightStore:
    """path -> (signature, [arrays])."""

    def __init__(self):
        self.entries: dict = {}

    def get(self, path: str, signature):
        """Saved weights for `path` if its signature matches. A node moved into or out of a
        block keeps its id, so an entry for the same node id under another path is used when
        exactly one such entry has the same signature."""
        entry = self.entries.get(path)
        if entry is not None and entry[0] == signature:
            return entry[1]
        node_id = path.rsplit("/", 1)[-1]
        moved = [e for p, e in self.entries.items()
                 if p != path and p.rsplit("/", 1)[-1] == node_id and e[0] == signature]
        return moved[0][1] if len(moved) == 1 else None

    def copy_entry(self, source_path: str, target_path: str) -> None:
        """Give `target_path` a copy of `source_path`'s weights (ungrouping a block)."""
        if source_path in self.entries:
            signature, values = self.entries[source_path]
            self.put(target_path, signature, values)

    def put(self, path: str, signature, arrays) -> None:
        self.entries[path] = (signature, [np.array(a, copy=True) for a in arrays])

    def __len__(self):
        return len(self.entries)

    def to_arrays(self) -> tuple[dict, dict]:
        """(arrays for weights.npz, index {path: {"signature": str, "count": n}})."""
        import json

        arrays, index = {}, {}
        for i, path in enumerate(sorted(self.entries)):
            signature, values = self.entries[path]
            index[path] = {"signature": json.dumps(signature), "count": len(values), "key": f"w{i}"}
            for j, value in enumerate(values):
                arrays[f"w{i}_{j}"] = value
        return arrays, index

    @classmethod
    def from_arrays(cls, arrays: dict, index: dict, where: str = "weights.npz") -> "WeightStore":
        import json

        store = cls()
        for path, info in index.items():
            try:
                signature = _tuplify(json.loads(info["signature"]))
                values = [arrays[f"{info['key']}_{j}"] for j in range(int(info["count"]))]
            except (KeyError, ValueError, TypeError) as exc:
                raise ValueError(f"{where}: weights of {path}: missing or malformed ({exc})") from None
            for j, value in enumerate(values):
                if value.dtype.kind not in "fiub":
                    raise ValueError(f"{where}: weights of {path} [{j}]: unsupported dtype {value.dtype}")
                if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                    raise ValueError(f"{where}: weights of {path} [{j}] contain NaN or infinite values")
            store.entries[path] = (signature, values)
        return store


def _tuplify(value):
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value
