"""Open a `.keras` file (ours or real Keras 3's; functional or Sequential; built-in layers)
as a document with its weights, laid out left to right by depth.

Reads `config.json` and `model.weights.h5` from the archive directly (no code runs): layer
configs become node parameters, inbound nodes become edges, and each layer's variables,
stored by Keras at `layers/<snake_case class name>[_<n>]/vars/<i>`, become the node's weights.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np

from app.graph.document import INPUT, MODEL_ID, OUTPUT, Document, Edge, Node


class ImportError_(ValueError):
    """A .keras file that cannot be opened; the message names the file and the layer."""


def _snake(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _clean_value(value):
    """Keras config values -> document parameter values."""
    if isinstance(value, dict) and "class_name" in value:
        config = {k: v for k, v in (value.get("config") or {}).items() if v is not None}
        if value["class_name"] == "DTypePolicy":
            return config.get("name")
        if not config or set(config) <= {"seed"}:
            return _snake(value["class_name"])
        return {"class_name": value["class_name"], "config": config}
    if isinstance(value, list):
        return tuple(_clean_value(v) for v in value)
    return value


def _history(tensor):
    """(layer name, tensor index) of a serialized tensor (Keras 3 or Keras 2 style)."""
    if isinstance(tensor, dict) and tensor.get("class_name") == "__keras_tensor__":
        history = tensor["config"]["keras_history"]
        return history[0], history[2]
    if isinstance(tensor, list) and len(tensor) >= 3 and isinstance(tensor[0], str):
        return tensor[0], tensor[2]
    return None


def import_keras(path) -> Document:
    """A Document for a .keras file. Raises ImportError_ naming the file and the problem."""
    from app.graph.catalogue import node_type

    path = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json").decode("utf-8"))
            weights_blob = archive.read("model.weights.h5") if "model.weights.h5" in archive.namelist() else None
    except FileNotFoundError:
        raise ImportError_(f"{path}: no such file") from None
    except KeyError:
        raise ImportError_(f"{path}: config.json is missing; is this a Keras 3 .keras file?") from None
    except (zipfile.BadZipFile, OSError):
        raise ImportError_(f"{path}: not a .keras archive (not a zip file, or truncated)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: config.json: {exc}") from None
    kind = config.get("class_name")
    if kind not in ("Functional", "Sequential", "Model"):
        raise ImportError_(f"{path}: a {kind!r} model can't be opened; only functional and Sequential models "
                           "of built-in layers can.")
    model_config = config.get("config") or {}
    layers = model_config.get("layers") or []
    doc = Document(name=_pascal(model_config.get("name") or "Model"))
    doc.blocks[MODEL_ID].name = _pascal(model_config.get("name") or "Model")
    block = doc.model
    ids: dict = {}          # layer name -> node id
    order: list = []        # (layer config, node id) for weights
    for layer in layers:
        cls = layer.get("class_name")
        cfg = layer.get("config") or {}
        name = cfg.get("name") or layer.get("name")
        nid = doc.new_id("n")
        if cls == "InputLayer":
            shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            if not shape:
                raise ImportError_(f"{path}: input layer {name!r} has no shape")
            block.nodes[nid] = Node(nid, INPUT, {"shape": tuple(shape[1:]), "dtype": cfg.get("dtype") or "float32",
                                                 "name": name}, (0.0, 0.0), name)
        else:
            params = _layer_params(path, name, layer)
            block.nodes[nid] = Node(nid, cls, params, (0.0, 0.0), name)
            if kind == "Sequential" and not order and not any(n.type == INPUT for n in block.nodes.values()):
                shape = cfg.get("batch_input_shape") or cfg.get("batch_shape") or \
                    (layer.get("build_config") or {}).get("input_shape")
                if not shape:
                    raise ImportError_(f"{path}: the Sequential model has no input shape")
                iid = doc.new_id("n")
                block.nodes[iid] = Node(iid, INPUT, {"shape": tuple(shape[1:]), "dtype": "float32", "name": "inputs"},
                                        (0.0, 0.0), "inputs")
                ids["__input__"] = iid
            order.append((layer, nid))
        if name in ids:
            raise ImportError_(f"{path}: two layers are named {name!r}")
        ids[name] = nid
    if kind == "Sequential":
        chain = [ids["__input__"]] if "__input__" in ids else []
        chain += [ids[(l.get("config") or {}).get("name") or l.get("name")] for l in layers]
        oid = doc.new_id("n")
        block.nodes[oid] = Node(oid, OUTPUT, {"name": "outputs"}, (0.0, 0.0), "outputs")
        chain.append(oid)
        for a, b in zip(chain, chain[1:]):
            port = doc.input_ports(MODEL_ID, b)[0].name
            eid = doc.new_id("e")
            block.edges[eid] = Edge(eid, (a, "output"), (b, port))
    else:
        for layer in layers:
            name = (layer.get("config") or {}).get("name") or layer.get("name")
            inbound = layer.get("inbound_nodes") or []
            if len(inbound) > 1:
                raise ImportError_(f"{path}: layer {name!r} is called {len(inbound)} times; shared layers can't "
                                   "be opened as nodes yet.")
            if not inbound:
                continue
            node = inbound[0]
            args = node.get("args", []) if isinstance(node, dict) else [node]
            nid = ids[name]
            ports = doc.input_ports(MODEL_ID, nid)
            positional = []
            for arg in args:
                if isinstance(arg, list) and arg and _history(arg) is None:
                    positional.append([_history(a) for a in arg])
                else:
                    positional.append(_history(arg))
            if len(ports) == 1 and ports[0].variadic:
                flat = [h for item in positional for h in (item if isinstance(item, list) else [item])]
                pairs = [(ports[0].name, h) for h in flat]
            else:
                pairs = list(zip([p.name for p in ports], positional))
            for port, history in pairs:
                if history is None or history[0] not in ids:
                    raise ImportError_(f"{path}: layer {name!r} takes an input this importer cannot follow")
                eid = doc.new_id("e")
                block.edges[eid] = Edge(eid, (ids[history[0]], "output"), (nid, port))
        outputs = model_config.get("output_layers") or []
        if outputs and isinstance(outputs[0], str):
            outputs = [outputs]
        for entry in outputs:
            oid = doc.new_id("n")
            block.nodes[oid] = Node(oid, OUTPUT, {"name": entry[0]}, (0.0, 0.0), entry[0])
            eid = doc.new_id("e")
            block.edges[eid] = Edge(eid, (ids[entry[0]], "output"), (oid, "inputs"))
        inputs = model_config.get("input_layers") or []
        if inputs and isinstance(inputs[0], str):
            inputs = [inputs]
        for rank, entry in enumerate(inputs):
            if entry[0] in ids:
                block.nodes[ids[entry[0]]].params["input_rank"] = rank
    _layout(doc)
    doc._dirty = {(MODEL_ID, None)}
    doc.recheck()
    if weights_blob is not None:
        _load_weights(doc, path, weights_blob, order)
    return doc


def _layer_params(path, name, layer) -> dict:
    """Node parameters from a layer's Keras config; wrapped layers and cells become nested
    groups. Raises ImportError_ naming the layer for classes Strata does not provide."""
    from app.graph.catalogue import LAYER
    from app.graph.wrappers import nested_type

    cls = layer.get("class_name")
    cfg = layer.get("config") or {}
    t = nested_type(cls) if isinstance(cls, str) else None
    if t is None or t.special:
        registered = layer.get("registered_name") or cls
        module = layer.get("module")
        where = f" from module {module!r}" if module and not str(module).startswith("keras") else ""
        raise ImportError_(f"{path}: layer {name!r} is an instance of the custom class {registered!r}{where}. "
                           "A .keras file stores only its config, not its source code, so Strata cannot rebuild "
                           "it; recreate it as a Custom Layer node (or save the model without it).")
    params = {}
    for spec in t.params:
        if spec.name not in cfg:
            continue
        if spec.kind == LAYER:
            inner = cfg[spec.name]
            if not isinstance(inner, dict):
                raise ImportError_(f"{path}: layer {name!r}: {spec.name} is not a layer config")
            inner_name = f"{name}.{spec.name}"
            if inner.get("class_name") not in spec.choices:
                _layer_params(path, inner_name, inner)   # names a custom class, if it is one
                raise ImportError_(f"{path}: layer {name!r} wraps a {inner.get('class_name')}; "
                                   f"{cls} nodes accept {', '.join(spec.choices)}")
            params[spec.name] = {"type": inner["class_name"], "params": _layer_params(path, inner_name, inner)}
        else:
            params[spec.name] = _clean_value(cfg[spec.name])
    return params


def _pascal(name: str) -> str:
    text = "".join(part.capitalize() for part in re.split(r"\W+|_", name) if part)
    return text if text and text[0].isalpha() else "Model"


def _layout(doc: Document) -> None:
    """Place nodes left to right by depth, stacked by order within a column; Input order kept."""
    block = doc.model
    ranks = {nid: n.params.pop("input_rank", None) for nid, n in block.nodes.items() if n.type == INPUT}
    depth = {}
    order = doc.checker._order(MODEL_ID)[0]
    for nid in order:
        preds = [depth[e.src[0]] for e in block.edges.values() if e.dst[0] == nid and e.src[0] in depth]
        depth[nid] = 1 + max(preds) if preds else 0
    columns: dict = {}
    inputs = sorted((nid for nid in order if nid in ranks), key=lambda n: (ranks[n] is None, ranks[n] or 0))
    for nid in inputs + [n for n in order if n not in ranks]:
        column = columns.setdefault(depth.get(nid, 0), [])
        block.nodes[nid].position = (220.0 * depth.get(nid, 0), 140.0 * len(column))
        column.append(nid)


def _load_weights(doc, path, blob, order):
    import h5py

    from app.graph.compiler import CompileError, compile_document

    try:
        compiled = compile_document(doc, restore_weights=False)
    except CompileError as exc:
        raise ImportError_(f"{path}: the imported model does not check: {exc}") from None
    counts: dict = {}
    try:
        h5 = h5py.File(io.BytesIO(blob), "r")
    except OSError as exc:
        raise ImportError_(f"{path}: model.weights.h5 is unreadable ({exc})") from None
    with h5:
        for layer_config, nid in order:
            base = _snake(layer_config["class_name"])
            n = counts.get(base, 0)
            counts[base] = n + 1
            key = f"layers/{base}" + (f"_{n}" if n else "") + "/vars"
            group_key = key.rsplit("/vars", 1)[0]
            layer = compiled.layers.get(nid)
            if layer is None:
                continue
            expected = layer.get_weights()
            if not expected:
                continue
            if group_key not in h5:
                raise ImportError_(f"{path}: no weights for layer {doc.model.nodes[nid].label!r} ({key})")
            from engine.saving.weights_store import read_weights

            try:
                read_weights(h5[key.rsplit("/vars", 1)[0]], layer, source=f"{path} ({key})")
            except ValueError as exc:
                raise ImportError_(f"{path}: weights of layer {doc.model.nodes[nid].label!r}: {exc}") from None
            for i, v in enumerate(layer.get_weights()):
                if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
                    layer.set_weights(expected)
                    raise ImportError_(f"{path}: weights of layer {doc.model.nodes[nid].label!r} [{i}] contain NaN")
    compiled.store_weights(doc)
