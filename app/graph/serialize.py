"""Document <-> plain dict (the `project.json` structure), with stable key order.

Nodes and edges are written sorted by id (natural order), parameters sorted by name, so a
saved project diffs readably. `document_from_dict` validates everything and raises
`ProjectError` naming the place (e.g. `blocks.model.nodes.n3.params.units`).
"""

from __future__ import annotations

import math

from app.graph.document import BLOCK, MODEL_ID, BlockDef, Document, Edge, Node, edge_sort_key

SCHEMA_VERSION = 2


class ProjectError(ValueError):
    """A project file or structure that cannot be loaded; the message names the place."""


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


def document_to_dict(doc: Document) -> dict:
    """The document's structure and settings as JSON-friendly data (no weights)."""
    blocks = {}
    for bid in sorted(doc.blocks, key=lambda b: (b != MODEL_ID, edge_sort_key(b))):
        block = doc.blocks[bid]
        nodes = {}
        for nid in sorted(block.nodes, key=edge_sort_key):
            n = block.nodes[nid]
            entry = {"type": n.type, "label": n.label, "position": [float(n.position[0]), float(n.position[1])],
                     "params": _plain(n.params)}
            if n.type == BLOCK:
                entry["block"] = n.block
                entry["shared_weights"] = bool(n.shared_weights)
            nodes[nid] = entry
        edges = {eid: {"src": list(block.edges[eid].src), "dst": list(block.edges[eid].dst)}
                 for eid in sorted(block.edges, key=edge_sort_key)}
        blocks[bid] = {"name": block.name, "nodes": nodes, "edges": edges}
    return {"schema": SCHEMA_VERSION, "blocks": blocks, "settings": _plain(doc.settings), "counter": doc._counter}


def _require(cond, place, message):
    if not cond:
        raise ProjectError(f"{place}: {message}")


def _restore_value(value, spec):
    from app.graph.catalogue import INT_OR_TUPLE, LAYER, SHAPE, TUPLE, as_tuples

    if spec is not None and spec.kind == LAYER:
        from app.graph.wrappers import restore_nested

        return restore_nested(value)
    if spec is not None and spec.kind in (TUPLE, SHAPE, INT_OR_TUPLE) and isinstance(value, list):
        return as_tuples(value)
    return value


def _check_finite(value, place):
    if isinstance(value, float) and not math.isfinite(value):
        raise ProjectError(f"{place}: value {value!r} is not a finite number")
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_finite(v, f"{place}[{i}]")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(v, f"{place}.{k}")


def document_from_dict(data, where: str = "project.json") -> Document:
    """Rebuild a Document from `document_to_dict` output; ProjectError names the bad place."""
    from app.graph.catalogue import node_type, param_error

    _require(isinstance(data, dict), where, "expected a JSON object")
    blocks = data.get("blocks")
    _require(isinstance(blocks, dict) and MODEL_ID in blocks, f"{where}: blocks",
             "missing or has no 'model' block")
    doc = Document()
    doc.blocks = {}
    all_ids: set = set()
    for bid, b in blocks.items():
        place = f"{where}: blocks.{bid}"
        _require(isinstance(b, dict), place, "expected an object")
        _require(isinstance(b.get("name"), str) and b["name"], f"{place}.name", "expected a non-empty string")
        block = BlockDef(bid, b["name"])
        nodes, edges = b.get("nodes", {}), b.get("edges", {})
        _require(isinstance(nodes, dict), f"{place}.nodes", "expected an object")
        _require(isinstance(edges, dict), f"{place}.edges", "expected an object")
        for nid, n in nodes.items():
            np_ = f"{place}.nodes.{nid}"
            _require(isinstance(n, dict), np_, "expected an object")
            _require(nid not in all_ids, np_, "node id used twice")
            all_ids.add(nid)
            t = n.get("type")
            _require(isinstance(t, str), f"{np_}.type", f"expected a string, got {t!r}")
            spec_type = node_type(t)
            _require(spec_type is not None, f"{np_}.type", f"unknown node type {t!r}")
            params = n.get("params", {})
            _require(isinstance(params, dict), f"{np_}.params", "expected an object")
            restored = {}
            for key, value in params.items():
                spec = spec_type.param(key)
                _check_finite(value, f"{np_}.params.{key}")
                if spec is None and t not in (BLOCK,):
                    raise ProjectError(f"{np_}.params.{key}: {t} has no parameter {key!r}")
                message = param_error(spec, value) if spec is not None else None
                if message:
                    raise ProjectError(f"{np_}.params.{key}: {message}")
                restored[key] = _restore_value(value, spec)
            pos = n.get("position", [0, 0])
            _require(isinstance(pos, list) and len(pos) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pos),
                f"{np_}.position", f"expected [x, y] numbers, got {pos!r}")
            label = n.get("label", "")
            _require(isinstance(label, str), f"{np_}.label", f"expected a string, got {label!r}")
            node = Node(nid, t, restored, (float(pos[0]), float(pos[1])), label)
            if t == BLOCK:
                _require(n.get("block") in blocks and n.get("block") != MODEL_ID, f"{np_}.block",
                         f"refers to a missing block definition {n.get('block')!r}")
                node.block = n["block"]
                node.shared_weights = bool(n.get("shared_weights", False))
            block.nodes[nid] = node
        for eid, e in edges.items():
            ep = f"{place}.edges.{eid}"
            _require(isinstance(e, dict), ep, "expected an object")
            _require(eid not in all_ids, ep, "edge id used twice")
            all_ids.add(eid)
            for end in ("src", "dst"):
                v = e.get(end)
                _require(isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v),
                         f"{ep}.{end}", f"expected [node id, port], got {v!r}")
                _require(v[0] in block.nodes, f"{ep}.{end}", f"refers to a missing node {v[0]!r}")
            block.edges[eid] = Edge(eid, tuple(e["src"]), tuple(e["dst"]))
        doc.blocks[bid] = block
    for bid in doc.blocks:
        for other in doc.blocks:
            if bid != other and doc.uses(bid, other) and doc.uses(other, bid):
                raise ProjectError(f"{where}: blocks.{bid}: blocks {bid!r} and {other!r} contain each other")
    settings = data.get("settings", {})
    _require(isinstance(settings, dict), f"{where}: settings", "expected an object")
    data_spec = settings.get("data")
    _require(data_spec is None or (isinstance(data_spec, dict) and isinstance(data_spec.get("dataset"), str)
                                   and isinstance(data_spec.get("params", {}), dict)),
             f"{where}: settings.data", f'expected {{"dataset": name, "params": {{...}}}} or null, got {data_spec!r}')
    training = settings.get("training", {})
    _require(isinstance(training, dict), f"{where}: settings.training", f"expected an object, got {training!r}")
    for key in ("epochs", "batch_size"):
        value = training.get(key, 1)
        _require(isinstance(value, int) and not isinstance(value, bool) and value >= 1,
                 f"{where}: settings.training.{key}", f"expected a positive integer, got {value!r}")
    doc.settings.update(settings)
    counter = data.get("counter", 0)
    _require(isinstance(counter, int) and not isinstance(counter, bool) and counter >= 0, f"{where}: counter",
             f"expected a non-negative integer, got {counter!r}")
    doc._counter = counter
    doc._dirty = {(b, None) for b in doc.blocks}
    return doc
