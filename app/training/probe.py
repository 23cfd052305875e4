"""Live canvas probe: each node's output summary and gradient norm on a fixed probe batch (no Qt).

The GUI describes which engine layer is which document node in a *probe spec* (plain data,
picklable); the training side (`LiveProbe`, run by `ProbeEvery` between batches) runs the
model forward on a few fixed samples under a `GradientTape`, records every mapped layer's
output, takes the gradient of the loss with respect to each of those outputs, and returns a
small payload: {"nodes": {path: summary}, "grads": {path: {port: L2 norm}}, "loss": float}.

Paths are the compiler's node paths: a node id of the Model, and "<instance>/<inner id>" for
a node inside a block instance (nested instances add segments; the inner nodes of a
shared-weights definition live under "shared:<definition>"). A block instance is summarised
both as a whole (its outputs) and node by node inside. The gradient is per output tensor: every
wire leaving one output port shows the same norm (the sum over all its consumers).

The probe runs with training=False and puts back every metric and non-trainable variable it
touched, so neither the epoch's metric averages nor running statistics change.
"""

from __future__ import annotations

import time

import numpy as np

from app.training.summaries import gradient_norm, summarize_output

PROBE_SAMPLES = 8
PROBE_INTERVAL_S = 0.25  # at most four probes a second outside step mode
PROBE_SHARE = 0.1        # ... and at most this share of the training time


def document_spec(document, compiled) -> dict:
    """The probe spec of a compiled document (app.graph.compiler.CompiledModel)."""
    from app.graph.document import MODEL_ID

    layers: dict[str, list[str]] = {}
    ports: dict[str, list[str]] = {}
    block_inputs: dict[str, list[str]] = {}
    inner_prefix: dict[str, str] = {}  # a shared-weights instance's inner nodes live under "shared:<definition>"
    channels_first: list[str] = []
    for path, layer in list(compiled.layers.items()) + list(compiled.instances.items()):
        paths = layers.setdefault(layer.name, [])
        if path not in paths:
            paths.append(path)
        block, nid = _definition_of(document, path)
        if block is None:
            continue
        ports[path] = [p.name for p in document.output_ports(block, nid)]
        if getattr(layer, "data_format", None) == "channels_first":
            channels_first.append(path)
        node = document.blocks[block].nodes[nid]
        if node.block is not None and node.block in document.blocks:
            block_inputs[path] = [n.id for n in document.block_inputs(node.block)]
            if node.shared_weights:
                inner_prefix[path] = f"shared:{node.block}"
    return {"layers": layers, "ports": ports, "inputs": [n.id for n in document.block_inputs(MODEL_ID)],
            "block_inputs": block_inputs, "inner_prefix": inner_prefix, "channels_first": channels_first}


def _definition_of(document, path: str):
    """(block id, node id) of the node at `path`, or (None, None) if the path is stale."""
    from app.graph.document import MODEL_ID

    *outer, nid = path.split("/")
    block = MODEL_ID
    for segment in outer:
        if segment.startswith("shared:"):
            block = segment[len("shared:"):]
            continue
        node = document.blocks.get(block).nodes.get(segment) if block in document.blocks else None
        if node is None or node.block is None:
            return None, None
        block = node.block
    if block not in document.blocks or nid not in document.blocks[block].nodes:
        return None, None
    return block, nid


def model_spec(model) -> dict:
    """A probe spec for a plain engine model: each top-level layer's path is its name."""
    inputs = [t.name for t in getattr(model, "inputs", None) or []]
    layers = {layer.name: [layer.name] for layer in model.layers}
    return {"layers": layers, "ports": {}, "inputs": inputs, "block_inputs": {}, "inner_prefix": {},
            "channels_first": []}


def probe_rows(data, samples: int = PROBE_SAMPLES):
    """The first `samples` rows of an array or of each array in a dict (None stays None)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: np.asarray(v)[:samples] for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(np.asarray(v)[:samples] for v in data)
    return np.asarray(data)[:samples]


class _Hooks:
    """Records each mapped layer's call arguments and outputs while installed."""

    def __init__(self, layers):
        self.layers = layers
        self.calls: dict[str, list] = {layer.name: [] for layer in layers}

    def __enter__(self):
        for layer in self.layers:
            original = layer.call
            record = self.calls[layer.name]

            def call(*args, _original=original, _record=record, **kwargs):
                out = _original(*args, **kwargs)
                _record.append((args, out))
                return out

            object.__setattr__(layer, "call", call)
        return self

    def __exit__(self, *exc):
        for layer in self.layers:
            layer.__dict__.pop("call", None)
        return False


class _StateVariables:
    """Variables a forward pass may change outside training: metrics and non-trainable weights.

    The model's layers and metric objects are found once; `add_metric` trackers, which appear
    on a layer's first call, are looked up on every call (a dict per layer).
    """

    def __init__(self, model):
        self.layers = model._flatten_layers()
        metrics = list(getattr(model, "metrics", []) or [])
        compiled = getattr(model, "compiled_loss", None)
        if compiled is not None:
            metrics += list(compiled.trackers.values())
        self.fixed = [v for m in metrics for v in m.variables] + list(model.non_trainable_weights)

    def __call__(self) -> list:
        found, seen = [], set()
        added = [v for layer in self.layers for m in layer._added_metrics.values() for v in m.variables]
        for variable in self.fixed + added:
            if id(variable) not in seen:
                seen.add(id(variable))
                found.append(variable)
        return found


class LiveProbe:
    """Runs the probe batch through a model and summarises every mapped node (see module doc)."""

    def __init__(self, spec: dict, x, y=None, samples: int = PROBE_SAMPLES):
        self.spec = spec
        self.x = probe_rows(x, samples)
        self.y = probe_rows(y, samples)
        self._state = None  # (model, _StateVariables) of the model probed last

    def _input_tensors(self, model):
        """The probe inputs as watched Tensors in the model's input structure, and their paths."""
        from engine.autodiff.tensor import Tensor
        from engine.variables import place

        names = [t.name for t in getattr(model, "inputs", None) or []]
        paths = list(self.spec.get("inputs", []))

        def tensor(value, dtype):  # on the current device, as the functional model places arrays
            return Tensor(place(np.asarray(value).astype(dtype, copy=False)))

        dtypes = [t.dtype for t in getattr(model, "inputs", None) or []]
        if isinstance(self.x, dict):
            structure = {k: tensor(v, dtypes[names.index(k)] if k in names else np.asarray(v).dtype)
                         for k, v in self.x.items()}
            ordered = [structure.get(name) for name in names]
        elif isinstance(self.x, (list, tuple)):
            structure = [tensor(v, d) for v, d in zip(self.x, dtypes or [None] * len(self.x))]
            ordered = structure
        else:
            structure = tensor(self.x, dtypes[0] if dtypes else self.x.dtype)
            ordered = [structure]
        return structure, dict(zip(paths, ordered))

    def run(self, model) -> dict:
        """The payload for the model's current weights (see the module docstring)."""
        from engine.autodiff.tape import GradientTape

        if self._state is None or self._state[0] is not model:
            wanted = self.spec.get("layers", {})
            state = _StateVariables(model)
            self._state = (model, state, [layer for layer in state.layers if layer is not model and layer.name in wanted])
        _, state, layers = self._state
        saved = [(v, np.array(v.numpy(), copy=True)) for v in state()]
        loss = None
        try:
            with _Hooks(layers) as hooks:
                with GradientTape(persistent=False) as tape:
                    structure, inputs = self._input_tensors(model)
                    for t in inputs.values():
                        if t is not None and t.dtype.startswith("float"):
                            tape.watch(t)
                    y_pred = model(structure, training=False)
                    try:
                        loss = model.compute_loss(structure, self.y, y_pred, training=False)
                    except ValueError:  # nothing to minimise on this batch: outputs only
                        loss = None
            outputs = self._outputs(hooks.calls, inputs)
            grads = self._gradients(tape, loss, outputs)
        finally:
            for variable, value in saved:
                variable.assign(value)
        first_format = set(self.spec.get("channels_first", []))
        nodes = {}
        for path, by_port in outputs.items():
            first = next(iter(by_port.values()))
            try:
                nodes[path] = summarize_output(first.numpy(), channels_last=path not in first_format)
            except (ValueError, TypeError):
                continue
        return {"nodes": nodes, "grads": grads, "loss": float(np.asarray(loss.numpy()).sum()) if loss is not None else None}

    def _outputs(self, calls, inputs) -> dict:
        """path -> {port: Tensor} from the recorded calls (call order for shared layers)."""
        from engine.autodiff.tensor import Tensor

        ports_of = self.spec.get("ports", {})
        outputs: dict[str, dict] = {}
        for path, tensor in inputs.items():
            if isinstance(tensor, Tensor):
                outputs[path] = {"output": tensor}
        for name, recorded in calls.items():
            for path, (args, out) in zip(self.spec["layers"][name], recorded):
                ports = ports_of.get(path) or ["output"]
                if isinstance(out, dict):
                    values = {p: out.get(p) for p in ports}
                elif isinstance(out, (list, tuple)):
                    values = dict(zip(ports, out)) if len(ports) > 1 else {ports[0]: out[0] if out else None}
                else:
                    values = {p: out for p in ports}
                values = {p: t for p, t in values.items() if isinstance(t, Tensor)}
                if values:
                    outputs[path] = values
                prefix = self.spec.get("inner_prefix", {}).get(path, path)
                for inner, arg in zip(self.spec.get("block_inputs", {}).get(path, []), args):
                    if isinstance(arg, Tensor):  # a block's Input nodes pass on its arguments (first call wins)
                        outputs.setdefault(f"{prefix}/{inner}", {"output": arg})
        return outputs

    @staticmethod
    def _gradients(tape, loss, outputs) -> dict:
        """path -> {port: L2 norm of d loss / d output}; ports without a gradient are left out."""
        if loss is None:
            return {}
        keys = [(path, port) for path, by_port in outputs.items() for port in by_port]
        tensors = [outputs[path][port] for path, port in keys]
        grads = tape.gradient(loss, tensors)
        result: dict[str, dict] = {}
        for (path, port), grad in zip(keys, grads):
            if grad is not None:
                result.setdefault(path, {})[port] = gradient_norm(grad.numpy())
        return result


class ProbeEvery:
    """Runs a `LiveProbe` after a batch when the canvas wants it: in step mode after every
    batch, otherwise at most every `interval_s` and within `PROBE_SHARE` of the time; also once
    before the first batch and once at the end of the run.

    `control.live` (canvas display on) or `control.step_mode` must be true; results go to
    `sink("probe", payload)` with the batch count added.
    """

    def __init__(self, probe: LiveProbe, sink, control, interval_s: float = PROBE_INTERVAL_S):
        self.probe, self.sink, self.control, self.interval_s = probe, sink, control, interval_s
        self._last = None
        self._cost = 0.0  # seconds the last probe took
        self.failed = None

    def __call__(self, model, batches_done: int, epoch: int = 0, batch: int = -1, force: bool = False) -> None:
        """Probe now if wanted; `force` ignores the rate limit (the end of a run)."""
        stepping = getattr(self.control, "step_mode", False)
        if self.failed is not None or not (getattr(self.control, "live", False) or stepping):
            return
        now = time.perf_counter()
        wait = max(self.interval_s, self._cost * (1 - PROBE_SHARE) / PROBE_SHARE)
        if not (stepping or force) and self._last is not None and now - self._last < wait:
            return
        try:
            payload = self.probe.run(model)
            self._last = time.perf_counter()
            self._cost = self._last - now
        except Exception as exc:  # a probe must never end the run: report once, then stay quiet
            self.failed = f"{type(exc).__name__}: {exc}"
            self.sink("probe", {"error": self.failed, "batches_done": batches_done})
            return
        payload.update({"batches_done": batches_done, "epoch": epoch, "batch": batch})
        self.sink("probe", payload)


def instance_prefix(document, block_path: list[str]) -> str | None:
    """The node-path prefix of the block shown on the canvas: "" for the Model, else the path of
    the first instance (in node-id order) of each entered definition; None when none exists.

    The breadcrumb records definitions, not instances: inside a block used several times the
    canvas shows its first instance's activations.
    """
    from app.graph.document import edge_sort_key

    prefix = ""
    for parent, child in zip(block_path, block_path[1:]):
        block = document.blocks.get(parent)
        if block is None:
            return None
        found = None
        for nid in sorted(block.nodes, key=edge_sort_key):
            node = block.nodes[nid]
            if node.block == child:
                found = node
                break
        if found is None:
            return None
        prefix = f"shared:{child}" if found.shared_weights else (f"{prefix}/{found.id}" if prefix else found.id)
    return prefix


def node_path(prefix: str, node_id: str) -> str:
    """The path of a node of the shown block, given `instance_prefix`."""
    return f"{prefix}/{node_id}" if prefix else node_id
