"""Open a `.keras` file (ours or real Keras 3's; functional or Sequential; built-in layers)
as a document with its weights, laid out left to right by depth.

Reads `config.json` and `model.weights.h5` from the archive directly (no code runs): layer
configs become node parameters (each checked, so a setting Strata cannot hold is refused here,
not when saving), Keras operation nodes become Lambda expressions or merging layers
(`import_operations`), inbound nodes become edges, and each layer's variables,
stored by Keras at `layers/<snake_case class name>[_<n>]/vars/<i>`, become the node's weights.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import zipfile

import numpy as np

from app.graph.document import BLOCK, INPUT, MODEL_ID, OUTPUT, BlockDef, Document, Edge, Node, edge_sort_key
from app.graph.import_blocks import import_strata_block, is_strata_block, strata_weight_layout
from app.graph.import_operations import (OperationError, drop_implicit_masks, is_operation, operation_node,
                                         tensor_arguments)


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
    """(layer name, call index, tensor index) of a serialized tensor (Keras 3 or 2 style)."""
    if isinstance(tensor, dict) and tensor.get("class_name") == "__keras_tensor__":
        history = tensor["config"]["keras_history"]
        return history[0], history[1], history[2]
    if isinstance(tensor, list) and len(tensor) >= 3 and isinstance(tensor[0], str):
        return tensor[0], tensor[1], tensor[2]
    return None


def import_keras(path, fold: bool = True) -> Document:
    """A Document for a .keras file. Raises ImportError_ naming the file and the problem.

    Functional and Sequential models of built-in layers (wrappers included) open as nodes.
    A nested model becomes a block definition with one instance per call; a layer called
    more than once (shared) becomes a one-layer block whose instances share weights.
    With `fold`, repeated structure becomes linked block instances (`app.graph.fold_op`)."""
    path = str(path)
    if os.path.isdir(path):
        raise ImportError_(f"{path}: is a folder, not a .keras file")
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
    kind = config.get("class_name") if isinstance(config, dict) else None
    if kind not in MODEL_KINDS:
        raise ImportError_(f"{path}: a {kind!r} model can't be opened; only functional and Sequential models "
                           "of built-in layers can.")
    model_config = config.get("config") or {}
    doc = Document(name=_pascal(model_config.get("name") or "Model"))
    builder = _BlockBuilder(path, doc)
    try:
        builder.fill(MODEL_ID, kind, model_config, "")
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ImportError_(f"{path}: config.json has an unexpected structure ({type(exc).__name__}: {exc})") from None
    for bid in doc.blocks:
        _layout(doc, bid)
    doc._dirty = {(b, None) for b in doc.blocks}
    try:
        doc.recheck()
        if weights_blob is not None:
            _load_weights(doc, path, weights_blob, builder.leaf_weights(MODEL_ID, ""))
    except ImportError_:
        raise
    except ValueError as exc:   # the engine refusing a layer while checking or compiling the model
        raise ImportError_(f"{path}: the imported model does not build: {exc}") from None
    if fold:
        from app.graph.fold_op import fold_repeated

        fold_repeated(doc)
    return doc


MODEL_KINDS = ("Functional", "Sequential", "Model")
# Call options that change a layer's result but have no node parameter: refused, never dropped.
UNREPRESENTABLE_CALL_OPTIONS = ("use_causal_mask", "return_attention_scores")


class _BlockBuilder:
    """Turns (nested) model configs into blocks. Remembers, per block, where each leaf
    layer's weights live in the weights file, to map them onto compiled layer paths."""

    def __init__(self, path, doc):
        self.path, self.doc = path, doc
        self.leaves: dict = {}      # block id -> [(node id, h5 group key relative to the model group)]
        self.instances: dict = {}   # block id -> [(instance node id, inner block id, h5 group of the nested model)]
        self.rel_leaves: dict = {}      # imported Strata block id -> [(node id, h5 key relative to its group)]
        self.rel_instances: dict = {}   # imported Strata block id -> [(node id, inner block id, relative group)]
        self.operations: set = set()    # node ids made from Keras operation nodes (import_operations)

    def fail(self, message):
        raise ImportError_(f"{self.path}: {message}")

    # -- one model config -> one block ------------------------------------------------
    def fill(self, block_id, kind, cfg, h5_group):
        layers = cfg.get("layers") or []
        self.leaves[block_id], self.instances[block_id] = [], []
        if kind == "Sequential":
            return self._fill_sequential(block_id, cfg, layers, h5_group)
        return self._fill_functional(block_id, cfg, drop_implicit_masks(layers), h5_group)

    def _h5_keys(self, layers, h5_group):
        """Weights group of every non-input layer, named as Keras names them."""
        counts, keys = {}, {}
        for layer in layers:
            if layer.get("class_name") == "InputLayer" or is_operation(layer):
                continue        # operation nodes hold no weights and take no place in the weights file
            base = _snake(layer["class_name"])
            n = counts.get(base, 0)
            counts[base] = n + 1
            keys[_layer_name(layer)] = f"{h5_group}layers/{base}" + (f"_{n}" if n else "")
        return keys

    def _node_for(self, block_id, layer, key, label=None):
        """A node for one layer: a leaf layer node, or a block instance for a nested model."""
        doc, name = self.doc, _layer_name(layer)
        nid = doc.new_id("n")
        if is_strata_block(layer):
            inner = import_strata_block(self, layer)
            doc.blocks[block_id].nodes[nid] = Node(nid, BLOCK, {}, (0.0, 0.0), label or name, inner)
            self.instances[block_id].append((nid, inner, key))
        elif layer.get("class_name") in MODEL_KINDS:
            inner = self.nested_block(layer, key)
            doc.blocks[block_id].nodes[nid] = Node(nid, BLOCK, {}, (0.0, 0.0), label or name, inner)
            self.instances[block_id].append((nid, inner, key + "/"))
        elif is_operation(layer):
            try:
                type_name, params = operation_node(layer)
            except OperationError as exc:
                self.fail(f"layer {name!r}: {exc}")
            doc.blocks[block_id].nodes[nid] = Node(nid, type_name, params, (0.0, 0.0), label or name)
            self.operations.add(nid)
        else:
            type_name = "Lambda" if layer["class_name"] == "ExpressionLambda" else layer["class_name"]
            doc.blocks[block_id].nodes[nid] = Node(nid, type_name, _layer_params(self.path, name, layer),
                                                   (0.0, 0.0), label or name)
            self.leaves[block_id].append((nid, key))
        return nid

    def nested_block(self, layer, key):
        cache = getattr(self, "_nested", None)
        if cache is None:
            cache = self._nested = {}
        if key in cache:
            return cache[key]
        cfg = layer.get("config") or {}
        bid = self.doc.new_id("b")
        self.doc.blocks[bid] = BlockDef(bid, self._block_name(_pascal(cfg.get("name") or _layer_name(layer))))
        cache[key] = bid
        self.fill(bid, layer["class_name"], cfg, key + "/")
        return bid

    def _block_name(self, base):
        taken = {b.name for b in self.doc.blocks.values()}
        name, i = base, 2
        while name in taken:
            name = f"{base}{i}"
            i += 1
        return name

    def _fill_sequential(self, block_id, cfg, layers, h5_group):
        doc = self.doc
        block = doc.blocks[block_id]
        keys = self._h5_keys(layers, h5_group)
        chain = []
        for layer in layers:
            if layer.get("class_name") == "InputLayer":
                chain.append(self._input_node(block_id, layer, 0))
                continue
            if not chain:
                lcfg = layer.get("config") or {}
                shape = lcfg.get("batch_input_shape") or lcfg.get("batch_shape") or \
                    (layer.get("build_config") or {}).get("input_shape")
                if not shape and block_id == MODEL_ID:
                    self.fail("the Sequential model has no input shape")
                iid = doc.new_id("n")
                block.nodes[iid] = Node(iid, INPUT, {"shape": tuple(shape[1:]) if shape else None,
                                                     "dtype": "float32", "name": "inputs"}, (0.0, 0.0), "inputs")
                block.nodes[iid].params["input_rank"] = 0
                chain.append(iid)
            chain.append(self._node_for(block_id, layer, keys[_layer_name(layer)]))
        oid = doc.new_id("n")
        block.nodes[oid] = Node(oid, OUTPUT, {"name": "outputs"}, (0.0, 0.0), "outputs")
        for a, b in zip(chain, chain[1:]):
            self._edge(block_id, (a, self._out_port(block_id, a, 0)), b, self._in_ports(block_id, b)[0].name)
        if len(chain) > 0:
            self._edge(block_id, (chain[-1], self._out_port(block_id, chain[-1], 0)), oid, "inputs")

    def _input_node(self, block_id, layer, rank):
        cfg = layer.get("config") or {}
        name = _layer_name(layer)
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if not shape:
            self.fail(f"input layer {name!r} has no shape")
        nid = self.doc.new_id("n")
        params = {"shape": tuple(shape[1:]), "dtype": _clean_value(cfg.get("dtype")) or "float32", "name": name,
                  "input_rank": rank}
        if block_id != MODEL_ID:
            params["shape"] = None
        self.doc.blocks[block_id].nodes[nid] = Node(nid, INPUT, params, (0.0, 0.0), name)
        return nid

    def _fill_functional(self, block_id, cfg, layers, h5_group):
        doc = self.doc
        block = doc.blocks[block_id]
        keys = self._h5_keys(layers, h5_group)
        inputs = _refs(cfg.get("input_layers"))
        input_rank = {ref[0]: i for i, ref in enumerate(inputs)}
        names = [_layer_name(layer) for layer in layers]
        if len(set(names)) != len(names):
            self.fail(f"two layers are named {next(n for n in names if names.count(n) > 1)!r}")
        endpoints = {}    # (layer name, call index) -> node id giving that call's outputs
        calls = {}        # node id -> the inbound node (call) it makes
        for layer in layers:
            name = _layer_name(layer)
            if layer.get("class_name") == "InputLayer":
                endpoints[(name, 0)] = self._input_node(block_id, layer, input_rank.get(name))
                continue
            inbound = layer.get("inbound_nodes") or []
            if len(inbound) <= 1:
                nid = self._node_for(block_id, layer, keys.get(name))
                endpoints[(name, 0)] = nid
                if inbound:
                    calls[nid] = tensor_arguments(inbound[0]) if nid in self.operations else inbound[0]
                continue
            if is_strata_block(layer):
                shared, group = import_strata_block(self, layer), keys[name]
            elif layer.get("class_name") in MODEL_KINDS:
                shared, group = self.nested_block(layer, keys[name]), keys[name] + "/"
            else:
                shared, group = self._shared_block(layer, keys.get(name)), None
            for j, call in enumerate(inbound):
                nid = doc.new_id("n")
                block.nodes[nid] = Node(nid, BLOCK, {}, (0.0, 0.0), f"{name}_call_{j + 1}", shared, True)
                self.instances[block_id].append((nid, shared, group))
                endpoints[(name, j)] = nid
                calls[nid] = call
        for nid, call in calls.items():
            self._wire_call(block_id, nid, call, endpoints)
        outputs = _refs(cfg.get("output_layers"))
        for rank, ref in enumerate(outputs):
            src = endpoints.get((ref[0], ref[1] if len(ref) > 1 else 0))
            if src is None:
                self.fail(f"model output {ref[0]!r} refers to no layer call")
            oid = doc.new_id("n")
            block.nodes[oid] = Node(oid, OUTPUT, {"name": ref[0], "output_rank": rank}, (0.0, 0.0), ref[0])
            self._edge(block_id, (src, self._out_port(block_id, src, ref[2] if len(ref) > 2 else 0)), oid, "inputs")

    def _shared_block(self, layer, key):
        """A one-layer block (inputs -> layer -> outputs) for a layer called several times;
        its instances share one set of weights."""
        doc = self.doc
        name = _layer_name(layer)
        bid = doc.new_id("b")
        doc.blocks[bid] = BlockDef(bid, self._block_name("Shared" + _pascal(name)))
        self.leaves[bid], self.instances[bid] = [], []
        inner = self._node_for(bid, layer, key, label=name)
        if doc.blocks[bid].nodes[inner].type == BLOCK:      # a nested model called several times
            self.instances[bid][-1] = (inner, self.instances[bid][-1][1], key + "/")
        else:
            self.leaves[bid] = [(inner, key)]
        block = doc.blocks[bid]
        for rank, port in enumerate(self._in_ports(bid, inner)):
            iid = doc.new_id("n")
            block.nodes[iid] = Node(iid, INPUT, {"shape": None, "dtype": "float32", "name": port.name,
                                                 "input_rank": rank}, (0.0, 0.0), port.name)
            self._edge(bid, (iid, "output"), inner, port.name)
        for rank, port in enumerate(self.doc.output_ports(bid, inner)):
            oid = doc.new_id("n")
            block.nodes[oid] = Node(oid, OUTPUT, {"name": port.name, "output_rank": rank}, (0.0, 0.0), port.name)
            self._edge(bid, (inner, port.name), oid, "inputs")
        return bid

    def _wire_call(self, block_id, nid, call, endpoints):
        doc = self.doc
        name = doc.blocks[block_id].nodes[nid].label
        args = call.get("args", []) if isinstance(call, dict) else [call]
        kwargs = call.get("kwargs", {}) if isinstance(call, dict) else {}
        positional = []
        for arg in args:
            if isinstance(arg, list) and arg and _history(arg) is None:
                positional.append([_history(a) for a in arg])
            else:
                positional.append(_history(arg))
        ports = self._in_ports(block_id, nid)
        if len(ports) == 1 and ports[0].variadic:
            flat = [h for item in positional for h in (item if isinstance(item, list) else [item])]
            pairs = [(ports[0].name, h) for h in flat]
        elif len(positional) == 1 and isinstance(positional[0], list) and len(ports) > 1:
            pairs = list(zip([p.name for p in ports], positional[0]))    # layer(list of inputs)
        else:
            pairs = list(zip([p.name for p in ports], positional))
        for key, value in (kwargs or {}).items():
            if key in UNREPRESENTABLE_CALL_OPTIONS and value not in (None, False):
                self.fail(f"layer {name!r} is called with {key}={value!r}, which a Strata node cannot express "
                          "(its call options are not node parameters)")
            history = _history(value)
            if history is not None:
                if key not in {p.name for p in ports}:
                    self.fail(f"layer {name!r} takes tensor argument {key!r}, which its node has no port for")
                pairs.append((key, history))
        for port, history in pairs:
            if history is None or (history[0], history[1]) not in endpoints:
                self.fail(f"layer {name!r} takes an input this importer cannot follow")
            src = endpoints[(history[0], history[1])]
            self._edge(block_id, (src, self._out_port(block_id, src, history[2])), nid, port)

    # -- helpers ----------------------------------------------------------------------
    def _in_ports(self, block_id, nid):
        return self.doc.input_ports(block_id, nid)

    def _out_port(self, block_id, nid, index):
        node = self.doc.blocks[block_id].nodes[nid]
        if node.type == INPUT:
            return "output"
        ports = self.doc.output_ports(block_id, nid)
        if node.type == BLOCK:
            ports = self._ranked_outputs(node.block)
        if not 0 <= index < len(ports):
            self.fail(f"layer {node.label!r} has no output #{index}")
        return ports[index] if isinstance(ports[index], str) else ports[index].name

    def _ranked_outputs(self, block_id):
        outs = [n for n in self.doc.blocks[block_id].nodes.values() if n.type == OUTPUT]
        outs.sort(key=lambda n: (n.params.get("output_rank", 0), edge_sort_key(n.id)))
        return [n.params.get("name") or n.label for n in outs]

    def _edge(self, block_id, src, dst, port):
        eid = self.doc.new_id("e")
        self.doc.blocks[block_id].edges[eid] = Edge(eid, tuple(src), (dst, port))

    def leaf_weights(self, block_id, prefix):
        """[(compiled layer path, h5 group key, label)] for every leaf layer under `block_id`."""
        out = []
        for nid, key in self.leaves.get(block_id, []):
            out.append((f"{prefix}{nid}", key, self.doc.blocks[block_id].nodes[nid].label))
        for nid, inner, group in self.instances.get(block_id, []):
            node = self.doc.blocks[block_id].nodes[nid]
            base = f"shared:{inner}/" if node.shared_weights else f"{prefix}{nid}/"
            if node.shared_weights and any(p.startswith(base) for p, _, _ in out):
                continue
            if inner in self.rel_leaves:
                out += strata_weight_layout(self, inner, base, group)
            else:
                out += self.leaf_weights(inner, base)
        return out


def _layer_name(layer) -> str:
    return (layer.get("config") or {}).get("name") or layer.get("name")


def _refs(value) -> list:
    """`input_layers` / `output_layers` as a list of [name, node index, tensor index]."""
    if not value:
        return []
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [value]
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def _layer_params(path, name, layer) -> dict:
    """Node parameters from a layer's Keras config; wrapped layers and cells become nested
    groups. Raises ImportError_ naming the layer for classes Strata does not provide."""
    from app.graph.catalogue import INT, LAYER, param_error
    from app.graph.wrappers import nested_type

    cls = layer.get("class_name")
    cfg = layer.get("config") or {}
    if cls == "ExpressionLambda" and isinstance(cfg.get("expression"), str):
        return {"expression": cfg["expression"]}          # saved by Strata: an expression, not code
    if cls == "Lambda":
        raise ImportError_(f"{path}: layer {name!r} is a Lambda: the file stores its Python function as bytecode, "
                           "which Strata never runs from a file. Add a Lambda node and write the function as "
                           "an expression over x (e.g. ops.tanh(x) * 2).")
    registered = layer.get("registered_name") or ""
    t = nested_type(cls) if isinstance(cls, str) else None
    if t is not None and t.special and registered == f"Strata>{cls}":
        t = dataclasses.replace(t, special=False)    # the guide's pattern layers, saved by Strata
    if t is None or t.special:
        registered = layer.get("registered_name") or cls
        module = layer.get("module")
        if str(module or "").startswith("keras") and registered == cls:
            raise ImportError_(f"{path}: layer {name!r} is a Keras {cls} layer, which Strata does not provide; "
                               "remove or replace it in Keras and save again, or rebuild it as a Custom Layer "
                               "node.")
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
            continue
        value = _clean_value(cfg[spec.name])
        if spec.kind == INT and isinstance(value, tuple) and len(value) == 1:
            value = value[0]          # axis=[-1] as Keras writes it: one axis
        message = param_error(spec, value)
        if message:
            raise ImportError_(f"{path}: layer {name!r} ({cls}): {message}; Strata cannot represent this setting")
        params[spec.name] = value
    return params


def _pascal(name: str) -> str:
    text = "".join(part.capitalize() for part in re.split(r"\W+|_", name) if part)
    return text if text and text[0].isalpha() else "Model"


def _layout(doc: Document, block_id: str = MODEL_ID) -> None:
    """Lay a block's nodes out as a layered graph (`app.graph.autolayout`); the order of inputs
    and outputs (their port order) is kept."""
    from app.graph.autolayout import place_block

    block = doc.blocks[block_id]
    ranks = {nid: n.params.pop("input_rank", None) for nid, n in block.nodes.items() if n.type == INPUT}
    out_ranks = {nid: n.params.pop("output_rank", None) for nid, n in block.nodes.items() if n.type == OUTPUT}
    inputs = sorted(ranks, key=lambda n: (ranks[n] is None, ranks[n] or 0, edge_sort_key(n)))
    outputs = sorted(out_ranks, key=lambda n: (out_ranks[n] is None, out_ranks[n] or 0, edge_sort_key(n)))
    place_block(doc, block_id, input_order=inputs, output_order=outputs)


def _load_weights(doc, path, blob, leaves):
    """Read each leaf layer's weights from its group in the file (nested groups included)."""
    import h5py

    from app.graph.compiler import CompileError, compile_document
    from engine.saving.weights_store import read_weights

    try:
        compiled = compile_document(doc, restore_weights=False)
    except CompileError as exc:
        raise ImportError_(f"{path}: the imported model does not check: {exc}") from None
    try:
        h5 = h5py.File(io.BytesIO(blob), "r")
    except OSError as exc:
        raise ImportError_(f"{path}: model.weights.h5 is unreadable ({exc})") from None
    with h5:
        for layer_path, key, label in leaves:
            layer = compiled.layers.get(layer_path)
            if layer is None:
                continue
            expected = layer.get_weights()
            if not expected:
                continue
            if key not in h5:
                raise ImportError_(f"{path}: no weights for layer {label!r} ({key}/vars)")
            try:
                read_weights(h5[key], layer, source=f"{path} ({key})")
            except ValueError as exc:
                raise ImportError_(f"{path}: weights of layer {label!r}: {exc}") from None
            for i, v in enumerate(layer.get_weights()):
                if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
                    layer.set_weights(expected)
                    raise ImportError_(f"{path}: weights of layer {label!r} [{i}] contain NaN")
    compiled.store_weights(doc)
