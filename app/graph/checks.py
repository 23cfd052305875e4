"""Live checks: tensor shapes on every edge, parameter counts and problems, incrementally.

The Model block keeps a persistent `BlockState`; after an edit only the dirty nodes and what
their changed outputs reach downstream are re-evaluated (`Checker.update`). Block definitions
are evaluated per distinct input shapes and cached by (definition revision, input shapes), so
an edit inside a definition re-checks each instance once. Problems are attached to nodes and
never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.graph.document import (
    BLOCK, CUSTOM, INPUT, MODEL_ID, OUTPUT, PROBLEMS_CHANGED, SHAPES_CHANGED, Change, Document, Problem,
    edge_sort_key,
)
from app.graph.evaluate import evaluate_layer_outputs, freeze
from app.graph.messages import user_message


@dataclass
class BlockState:
    """Check results of one block evaluated with given input shapes."""

    block_id: str
    input_shapes: dict = field(default_factory=dict)      # port name -> shape
    outputs: dict = field(default_factory=dict)           # node id -> {port: shape or None}
    params: dict = field(default_factory=dict)            # node id -> int or None
    problems: dict = field(default_factory=dict)          # node id (or None) -> [Problem]
    order: list = field(default_factory=list)
    live: set = field(default_factory=set)                # nodes an Output depends on

    def all_problems(self) -> list:
        return [p for plist in self.problems.values() for p in plist]


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


class Checker:
    """Computes and caches shapes, parameter counts and problems of a Document."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.model_state: BlockState | None = None
        self.revisions: dict = {}          # block id -> int, bumped on any change inside
        self._block_cache: dict = {}       # (block id, revision, shapes) -> BlockState
        self._problem_list: list = []

    # -- public queries ----------------------------------------------------------------
    def state(self, block_id: str) -> BlockState:
        if self.model_state is None:
            self.update({(MODEL_ID, None)})
        if block_id == MODEL_ID:
            return self.model_state
        return self.evaluate_block(block_id, self._first_instance_shapes(block_id, (block_id,)))

    def _first_instance_shapes(self, block_id, seen) -> dict:
        """Input shapes of the first instance (Model first, then blocks by id) whose inputs are
        all known; {} if none. Entering a block shows the shapes of this instance."""
        doc = self.doc
        containers = [MODEL_ID] + sorted((b for b in doc.blocks if b != MODEL_ID), key=edge_sort_key)
        for container in containers:
            if container in seen:
                continue
            for nid in sorted(doc.blocks[container].nodes, key=edge_sort_key):
                node = doc.blocks[container].nodes[nid]
                if node.type != BLOCK or node.block != block_id:
                    continue
                if container == MODEL_ID:
                    state = self.model_state
                else:
                    state = self.evaluate_block(container, self._first_instance_shapes(container, seen + (container,)))
                shapes = {}
                for port in doc.input_ports(container, nid):
                    edges = doc.edges_into(container, nid, port.name)
                    shape = state.outputs.get(edges[0].src[0], {}).get(edges[0].src[1]) if edges else None
                    if shape is None:
                        shapes = None
                        break
                    shapes[port.name] = shape
                if shapes:
                    return shapes
        return {}

    def instance_paths(self, block_id: str) -> list:
        """Every way to reach an instance of `block_id` from the Model: tuples of Block node ids,
        outermost first (("n20",) is an instance in the Model, ("n20", "n31") one inside the
        definition n20 instantiates). Model first, then by node id."""
        doc = self.doc
        if block_id == MODEL_ID:
            return [()]
        paths = []

        def walk(container, prefix, depth):
            if depth > len(doc.blocks):
                return
            for nid in sorted(doc.blocks[container].nodes, key=edge_sort_key):
                node = doc.blocks[container].nodes[nid]
                if node.type != BLOCK or node.block not in doc.blocks or doc.uses(node.block, container):
                    continue
                if node.block == block_id:
                    paths.append(prefix + (nid,))
                elif doc.uses(node.block, block_id):
                    walk(node.block, prefix + (nid,), depth + 1)

        walk(MODEL_ID, (), 0)
        return paths

    def instance_state(self, block_id: str, instance_path=()) -> BlockState:
        """State of `block_id` as seen through one instance (`instance_path`, see
        `instance_paths`); the first instance with known inputs when the path is empty."""
        if self.model_state is None:
            self.update({(MODEL_ID, None)})
        if not instance_path or block_id == MODEL_ID:
            return self.state(block_id)
        doc = self.doc
        container, state = MODEL_ID, self.model_state
        for nid in instance_path:
            node = doc.blocks.get(container, None) and doc.blocks[container].nodes.get(nid)
            if node is None or node.type != BLOCK or node.block not in doc.blocks:
                raise ValueError(f"instance path {tuple(instance_path)!r}: {nid!r} is not a block instance "
                                 f"in {doc.blocks[container].name!r}")
            state = self.evaluate_block(node.block, self._instance_input_shapes(container, nid, state) or {})
            container = node.block
        if container != block_id:
            raise ValueError(f"instance path {tuple(instance_path)!r} leads into block "
                             f"{doc.blocks[container].name!r}, not {doc.blocks[block_id].name!r}")
        return state

    def _instance_input_shapes(self, container, nid, state):
        shapes = {}
        for port in self.doc.input_ports(container, nid):
            edges = self.doc.edges_into(container, nid, port.name)
            shape = state.outputs.get(edges[0].src[0], {}).get(edges[0].src[1]) if edges else None
            if shape is not None:
                shapes[port.name] = shape
        return shapes

    def instance_name(self, instance_path) -> str:
        """`"mlp_block_2"` or `"outer_1" / "inner_1"` for messages."""
        doc, container, names = self.doc, MODEL_ID, []
        for nid in instance_path:
            node = doc.blocks[container].nodes[nid]
            names.append(f'"{node.label or node.id}"')
            container = node.block
        return " / ".join(names)

    def problems(self, block_id=None, node_id=None, instance_path=()) -> list:
        """Problems of the document, one block or one node. Inside a block definition each
        instance is checked with its own input shapes: a problem every instance has is listed
        once; one that only some instances have is listed per failing instance, its message
        naming the instance and `Problem.instance` holding the path. With `instance_path`,
        only that instance's view."""
        if self.model_state is None:
            self.update({(MODEL_ID, None)})
        out = []
        for bid in ([block_id] if block_id else list(self.doc.blocks)):
            if bid not in self.doc.blocks:
                continue
            for problem in self._block_problems(bid, tuple(instance_path) if block_id else ()):
                if node_id is None or problem.node == node_id:
                    out.append(problem)
        return out

    def _block_problems(self, bid, instance_path) -> list:
        if bid == MODEL_ID:
            return self.model_state.all_problems()
        if instance_path:
            return self.instance_state(bid, instance_path).all_problems()
        paths = self.instance_paths(bid)
        if len(paths) <= 1:
            return self.state(bid).all_problems() if not paths else self.instance_state(bid, paths[0]).all_problems()
        per_path = [(path, self.instance_state(bid, path).all_problems()) for path in paths]
        common = set(per_path[0][1])
        for _, plist in per_path[1:]:
            common &= set(plist)
        out = [p for p in per_path[0][1] if p in common]
        for path, plist in per_path:
            for p in plist:
                if p in common:
                    continue
                out.append(replace(p, message=f"In instance {self.instance_name(path)}: {p.message}",
                                   instance=path))
        return out

    def output_shapes(self, block_id, node_id, instance_path=()) -> dict:
        return dict(self.instance_state(block_id, instance_path).outputs.get(node_id, {}))

    def edge_shape(self, block_id, edge_id, instance_path=()):
        edge = self.doc.blocks[block_id].edges.get(edge_id)
        if edge is None:
            return None
        return self.instance_state(block_id, instance_path).outputs.get(edge.src[0], {}).get(edge.src[1])

    def param_count(self, block_id, node_id, instance_path=()):
        return self.instance_state(block_id, instance_path).params.get(node_id)

    def total_params(self):
        return self.params_split()[0]

    def params_split(self):
        """(total, trainable, non-trainable) weights of the Model, as model.summary() reports."""
        from app.graph.evaluate import non_trainable_of

        state = self.state(MODEL_ID)
        total, frozen, shared_seen = 0, 0, set()
        for nid, count in state.params.items():
            node = self.doc.model.nodes.get(nid)
            if node is None or count is None or nid not in state.live:
                continue
            if node.type == BLOCK and node.shared_weights:
                if node.block in shared_seen:
                    continue   # shared instances hold one set of weights
                shared_seen.add(node.block)
            total += count
            frozen += non_trainable_of(count)
        return total, total - frozen, frozen

    # -- updating ----------------------------------------------------------------------
    def update(self, dirty: set) -> None:
        """Re-check after edits; `dirty` holds (block id, node id or None for the whole block)."""
        doc = self.doc
        touched_blocks = {b for b, _ in dirty if b != MODEL_ID and b in doc.blocks}
        model_dirty = {n for b, n in dirty if b == MODEL_ID}
        # A changed definition changes every block that uses it, up to the Model.
        changed_defs = set()
        for bid in touched_blocks:
            for other in doc.blocks:
                if doc.uses(other, bid):
                    changed_defs.add(other)
        for bid in changed_defs:
            self.revisions[bid] = self.revisions.get(bid, 0) + 1
        for nid, node in doc.model.nodes.items():
            if node.type == BLOCK and node.block in changed_defs:
                model_dirty.add(nid)
        if changed_defs & {MODEL_ID}:
            pass
        full = self.model_state is None or None in model_dirty
        old_outputs = {} if self.model_state is None else dict(self.model_state.outputs)
        old_problems = list(self._problem_list)
        self.model_state = self._evaluate(MODEL_ID, {}, None if full else self.model_state,
                                          None if full else model_dirty)
        changed = tuple(sorted((n for n in self.model_state.outputs
                                if self.model_state.outputs.get(n) != old_outputs.get(n)
                                or n in model_dirty), key=edge_sort_key))
        self._problem_list = self.problems()
        if changed or changed_defs:
            doc.notify(Change(SHAPES_CHANGED, MODEL_ID, nodes=changed))
        if self._problem_list != old_problems:
            doc.notify(Change(PROBLEMS_CHANGED))

    def evaluate_block(self, block_id: str, input_shapes: dict) -> BlockState:
        """State of a block definition for the given input port shapes (cached)."""
        key = (block_id, self.revisions.get(block_id, 0), freeze(input_shapes))
        state = self._block_cache.get(key)
        if state is None:
            if len(self._block_cache) > 2048:
                self._block_cache.clear()
            state = self._evaluate(block_id, input_shapes, None, None)
            self._block_cache[key] = state
        return state

    # -- evaluation --------------------------------------------------------------------
    def _order(self, block_id):
        """Topological order and the set of nodes on cycles."""
        block = self.doc.blocks[block_id]
        succ = {n: [] for n in block.nodes}
        indeg = {n: 0 for n in block.nodes}
        for e in block.edges.values():
            if e.src[0] in succ and e.dst[0] in indeg:
                succ[e.src[0]].append(e.dst[0])
                indeg[e.dst[0]] += 1
        ready = sorted((n for n, d in indeg.items() if d == 0), key=edge_sort_key, reverse=True)
        order = []
        while ready:
            n = ready.pop()
            order.append(n)
            for m in succ[n]:
                indeg[m] -= 1
                if indeg[m] == 0:
                    ready.append(m)
        rest = [n for n in block.nodes if n not in set(order)]
        return order, self._cycle_nodes(rest, succ), rest, succ

    @staticmethod
    def _cycle_nodes(rest, succ):
        """Nodes of `rest` that lie on a cycle (strongly connected, Tarjan)."""
        rest_set = set(rest)
        index, low, on_stack, stack, result = {}, {}, set(), [], set()
        counter = [0]

        def strong(v):
            work = [(v, iter(succ[v]))]
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on_stack.add(v)
            while work:
                node, it = work[-1]
                advanced = False
                for w in it:
                    if w not in rest_set:
                        continue
                    if w not in index:
                        index[w] = low[w] = counter[0]
                        counter[0] += 1
                        stack.append(w)
                        on_stack.add(w)
                        work.append((w, iter(succ[w])))
                        advanced = True
                        break
                    if w in on_stack:
                        low[node] = min(low[node], index[w])
                if advanced:
                    continue
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1 or node in succ[node]:
                        result.update(component)

        for v in rest:
            if v not in index:
                strong(v)
        return result

    def _evaluate(self, block_id, input_shapes, previous: BlockState | None, dirty) -> BlockState:
        doc = self.doc
        block = doc.blocks[block_id]
        order, cyclic, rest, succ = self._order(block_id)
        state = BlockState(block_id, dict(input_shapes))
        if previous is not None:
            state.outputs = {k: v for k, v in previous.outputs.items() if k in block.nodes}
            state.params = {k: v for k, v in previous.params.items() if k in block.nodes}
            state.problems = {k: v for k, v in previous.problems.items() if k in block.nodes}
            seeds = set(n for n in dirty if n in block.nodes)
            work = set(seeds)
            # neighbours of dirty nodes: their structural problems may change
            for e in block.edges.values():
                if e.src[0] in seeds or e.dst[0] in seeds:
                    work.update((e.src[0], e.dst[0]))
            previous_cyclic = {n for n, plist in previous.problems.items() if any(p.kind == "cycle" for p in plist)}
            work |= (previous_cyclic ^ cyclic) | set(rest)
        else:
            work = set(block.nodes)
        state.order = order
        incoming = {}
        for e in sorted(block.edges.values(), key=lambda e: edge_sort_key(e.id)):
            incoming.setdefault(e.dst[0], []).append(e)
        consumers = {n for e in block.edges.values() for n in [e.src[0]]}
        for nid in order + [n for n in rest]:
            if nid not in work:
                continue
            old = state.outputs.get(nid)
            outs, count, problems = self._evaluate_node(block_id, nid, incoming.get(nid, []), state,
                                                        nid in cyclic, nid in consumers, input_shapes)
            state.outputs[nid], state.params[nid], state.problems[nid] = outs, count, problems
            if outs != old:
                work.update(succ.get(nid, []))
        state.problems = {k: v for k, v in state.problems.items() if v}
        state.live = live_nodes(self.doc, block_id)
        if block_id == MODEL_ID and not any(n.type == OUTPUT for n in block.nodes.values()) and block.nodes:
            state.problems[None] = [Problem("no_output", block_id, None,
                                            "The Model has no Output node: add one and connect the last layer to it.")]
        return state

    def _evaluate_node(self, block_id, nid, in_edges, state, on_cycle, has_consumers, input_shapes):
        doc = self.doc
        node = doc.blocks[block_id].nodes[nid]
        label = doc.display_name(block_id, nid)
        problems = []
        ins, outs = doc.input_ports(block_id, nid), doc.output_ports(block_id, nid)
        out_names = [p.name for p in outs]
        unknown = {p: None for p in out_names}

        def problem(kind, message, **kw):
            problems.append(Problem(kind, block_id, nid, message, **kw))

        if on_cycle:
            problem("cycle", f"{label} is part of a cycle: a layer cannot feed its own input.")
            return unknown, None, problems
        if node.type not in (INPUT, OUTPUT) and not has_consumers and out_names:
            problem("dangling_output", f"{label}: output {out_names[0]!r} is not connected to anything, "
                                       "so this node is not part of the model.")
        # Gather input shapes per port.
        port_names = {p.name: p for p in ins}
        shapes_by_port: dict = {p.name: [] for p in ins}
        for e in in_edges:
            if e.dst[1] not in port_names:
                problem("missing_input", f"{label} has no input port {e.dst[1]!r} (the wire is left over "
                                         "from an earlier definition); delete it.", port=e.dst[1])
                continue
            src_out = state.outputs.get(e.src[0]) or {}
            src_ports = {p.name for p in doc.output_ports(block_id, e.src[0])} \
                if e.src[0] in doc.blocks[block_id].nodes else set()
            if e.src[1] not in src_ports:
                src_label = doc.display_name(block_id, e.src[0])
                problem("missing_input", f"{label}: input {e.dst[1]!r} comes from port {e.src[1]!r} of "
                                         f"{src_label}, which has no such port.", port=e.dst[1])
                shapes_by_port[e.dst[1]].append(None)
                continue
            shapes_by_port[e.dst[1]].append(src_out.get(e.src[1]))
        for p in ins:
            if not shapes_by_port[p.name] and not p.optional:
                problem("missing_input", f"{label}: input {p.name!r} is not connected.", port=p.name)
        if node.type == INPUT:
            return self._input_node(block_id, node, label, input_shapes, problem), 0, problems
        if node.type == OUTPUT:
            values = shapes_by_port.get("inputs") or [None]
            return {}, 0, problems if values else problems
        if problems and any(p.kind == "missing_input" for p in problems):
            return unknown, None, problems
        flat = []
        for p in ins:
            values = shapes_by_port[p.name]
            if any(v is None for v in values):
                return unknown, None, problems
            if p.variadic:
                flat.extend(values)
            elif values:
                flat.append(values[0])
        variadic = any(p.variadic for p in ins)
        if node.type == BLOCK:
            return self._block_node(block_id, node, label, ins, shapes_by_port, problem, out_names), \
                self._block_params, problems
        if node.type == CUSTOM and not doc.trusted:
            problem("untrusted", f"{label} is inactive: this project's custom code runs only after you "
                                 "trust the project.")
            return unknown, None, problems
        from app.graph.catalogue import node_type

        t = node_type(node.type)
        if t is None:
            problem("unknown_type", f"{label}: unknown node type {node.type!r}.")
            return unknown, None, problems
        if node.type != CUSTOM:
            for spec in t.params:
                if spec.required and node.params.get(spec.name) is None:
                    problem("invalid_parameter", f"{label}: parameter {spec.name!r} must be set.", param=spec.name)
            if problems and problems[-1].kind == "invalid_parameter":
                return unknown, None, problems
        shapes, count, error = evaluate_layer_outputs(node.type, node.params, flat, variadic)
        if error is not None:
            kind, message, param, line = error
            message = user_message(message, label, flat, node.params)
            if kind == "invalid_parameter":
                value = node.params.get(param) if param else None
                detail = f" ({param}={value!r})" if param else ""
                problem(kind, f"{label}: invalid parameter{detail}: {message}", param=param)
            elif kind == "custom_code":
                where = f" at line {line}" if line else ""
                problem(kind, f"{label}: {message}{where}", line=line)
            else:
                got = ", ".join(f"{p.name}={_shapes_text(shapes_by_port[p.name])}" for p in ins)
                problem(kind, f"{label} cannot take inputs {got}: {message}",
                        port=ins[0].name if len(ins) == 1 else None)
            return unknown, None, problems
        if len(shapes) != len(out_names):
            problem("shape_mismatch", f"{label} returns {len(shapes)} tensor(s) but has {len(out_names)} output "
                                      f"port(s) ({', '.join(out_names)}).")
            return unknown, None, problems
        return dict(zip(out_names, shapes)), count, problems

    def _input_node(self, block_id, node, label, input_shapes, problem):
        if block_id != MODEL_ID:
            name = node.params.get("name") or node.label
            return {"output": input_shapes.get(name)}
        shape = node.params.get("shape")
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if not isinstance(shape, (list, tuple)) or not all(
                s is None or (isinstance(s, int) and not isinstance(s, bool) and s > 0) for s in shape):
            problem("invalid_parameter", f"{label}: shape must be a tuple of positive sizes (None for "
                                         f"unknown), e.g. (28, 28, 1). Received: shape={shape!r}", param="shape")
            return {"output": None}
        return {"output": (None,) + tuple(shape)}

    _block_params = None

    def _block_node(self, block_id, node, label, ins, shapes_by_port, problem, out_names):
        doc = self.doc
        self._block_params = None
        if node.block not in doc.blocks:
            problem("unknown_type", f"{label}: its block definition {node.block!r} is missing.")
            return {p: None for p in out_names}
        if doc.uses(node.block, block_id):
            problem("cycle", f"{label}: block {doc.blocks[node.block].name!r} contains itself.")
            return {p: None for p in out_names}
        shapes = {p.name: shapes_by_port[p.name][0] for p in ins if shapes_by_port[p.name]}
        inner = self.evaluate_block(node.block, shapes)
        inner_problems = [p for p in inner.all_problems() if p.kind != "dangling_output"]
        definition = doc.blocks[node.block]
        if inner_problems:
            problem("block", f"{label}: {len(inner_problems)} problem(s) inside block "
                             f"{definition.name!r}; first: {inner_problems[0].message}")
        results = {}
        for out_node in doc.block_outputs(node.block):
            name = out_node.params.get("name") or out_node.label
            edges = doc.edges_into(node.block, out_node.id, "inputs")
            shape = None
            if edges:
                shape = inner.outputs.get(edges[0].src[0], {}).get(edges[0].src[1])
            results[name] = shape
        counts = [c for nid, c in inner.params.items() if nid in definition.nodes and nid in inner.live]
        if any(c is None for c in counts) and inner_problems:
            self._block_params = None
        else:
            from app.graph.evaluate import ParamCount, non_trainable_of

            self._block_params = ParamCount(sum(c or 0 for c in counts), sum(non_trainable_of(c) for c in counts))
        return results


def live_nodes(doc: Document, block_id: str) -> set:
    """Nodes some Output of the block depends on (what the built model contains)."""
    block = doc.blocks[block_id]
    preds: dict = {}
    for e in block.edges.values():
        preds.setdefault(e.dst[0], []).append(e.src[0])
    stack = [n.id for n in block.nodes.values() if n.type == OUTPUT]
    live = set()
    while stack:
        nid = stack.pop()
        if nid in live:
            continue
        live.add(nid)
        stack.extend(preds.get(nid, []))
    return live


def _shapes_text(shapes) -> str:
    if not shapes:
        return "nothing"
    texts = [_shape_text(s) if s is not None else "?" for s in shapes]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
