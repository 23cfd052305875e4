"""Export a document as Python that reads like the Keras guide.

Each block becomes `class Name(keras.layers.Layer)` with sublayers created in `__init__` and
wired in `call`; the Model is a functional `build_model()` (default) or a subclassed
`keras.Model` (`style="subclass"`); then `compile` and `fit` with the project's settings.
`target="engine"` imports `from engine import keras, tf`; `target="keras"` imports only numpy and
real Keras 3, and reads the project's data set from an `.npz` file written beside it. With
`weights=True` the code loads the trained weights from a `.weights.h5` file beside it
(`app.graph.export_files` writes those files). The output is deterministic: same document, same text.
"""

from __future__ import annotations

import json

from app.graph.checks import live_nodes
from app.graph.compiler import python_name, topological_nodes
from app.graph.document import BLOCK, CUSTOM, INPUT, MODEL_ID, OUTPUT, Document, edge_sort_key
from app.graph.evaluate import layer_kwargs

PATTERN_SOURCES = {
    "ActivityRegularizationLayer": '''class ActivityRegularizationLayer(keras.layers.Layer):
    """Adds `rate * sum(inputs)` to the losses (add_loss) and returns its input."""

    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * keras.ops.sum(inputs))
        return inputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}
''',
    "LogisticEndpoint": '''class LogisticEndpoint(keras.layers.Layer):
    """Binary cross-entropy loss (add_loss) and accuracy (add_metric); returns softmax(logits)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy()

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        acc = self.accuracy_fn(targets, logits, sample_weights)
        self.add_metric(acc, name="accuracy")
        return keras.ops.softmax(logits)
''',
}

KERAS3_SOURCES = {
    "LogisticEndpoint": '''class LogisticEndpoint(keras.layers.Layer):
    """Binary cross-entropy loss (add_loss) and accuracy; returns softmax(logits)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        # Keras 3 has no add_metric: a tracker created here is updated in call and reported by fit().
        self.accuracy_fn = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        self.accuracy_fn.update_state(targets, logits, sample_weights)
        return keras.ops.softmax(logits)
''',
}

# Built-in engine layers that Keras 3 keeps out of `keras.layers` (ConvNeXt's LayerScale lives in
# keras.applications): the Keras target defines them in the exported file, same weights layout.
KERAS3_DEFINED_HERE = {
    "LayerScale": '''class LayerScale(keras.layers.Layer):
    """Multiplies each channel by a learned factor (ConvNeXt's layer scale)."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(self.projection_dim,), trainable=True,
                                     initializer=keras.initializers.Constant(self.init_values))

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values, "projection_dim": self.projection_dim}
''',
}

HEADERS = {
    "engine": "from engine import keras, tf",
    "keras": "import keras",
}

# The keras target's stand-in for the TensorFlow names the Keras guide's custom layers use
# (tf.matmul, tf.reduce_sum, tf.Variable, tf.nn.relu, tf.random_normal_initializer, ...):
# keras.ops under the guide's names, so a Custom Layer's code runs without TensorFlow.
KERAS_TF_SHIM = '''
class _TensorFlowNames:
    """The guide's tf.* names on keras.ops (no TensorFlow needed); any other name is keras.ops'."""

    def __init__(self):
        ops, init = keras.ops, keras.initializers
        self.__dict__.update(
            keras=keras, nn=ops, float32="float32", float64="float64", int32="int32", int64="int64",
            reduce_sum=ops.sum, reduce_mean=ops.mean, reduce_max=ops.max, reduce_min=ops.min,
            reduce_prod=ops.prod, concat=ops.concatenate, clip_by_value=ops.clip, constant=ops.convert_to_tensor,
            Variable=lambda initial_value, trainable=True, **kw: keras.Variable(initial_value, trainable=trainable,
                                                                                **kw),
            random_normal_initializer=init.RandomNormal, random_uniform_initializer=init.RandomUniform,
            zeros_initializer=init.Zeros, ones_initializer=init.Ones)

    def __getattr__(self, name):
        return getattr(keras.ops, name)


tf = _TensorFlowNames()'''


# Arguments the engine gives a default but Keras 3 requires (AveragePooling*D's pool_size).
WRITTEN_EVEN_IF_DEFAULT = {"pool_size"}


class ExportError(ValueError):
    """The document cannot be exported (it has problems, or an unknown target)."""


def literal(value) -> str:
    """Python source for a parameter value, strings in double quotes, stable dict order."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {literal(v)}" for k, v in sorted(value.items())) + "}"
    return repr(value)


_ARGS, _ARG_SEP, _ARGS_END = "\x00", "\x01", "\x02"   # markers replaced by `wrap`
MAX_LINE = 99


def wrap(line: str, indent: str) -> str:
    """Join constructor arguments on one line, or one per line when the line gets long."""
    flat = line.replace(_ARGS, "").replace(_ARG_SEP, ", ").replace(_ARGS_END, "")
    if len(flat) <= MAX_LINE or _ARGS not in line:
        return flat
    head, rest = line.split(_ARGS, 1)
    args, tail = rest.split(_ARGS_END, 1)
    inner = indent + "    "
    body = "".join(f"{inner}{arg},\n" for arg in args.split(_ARG_SEP))
    return f"{head}\n{body}{indent}){tail[1:] if tail.startswith(')') else tail}".replace(_ARGS, "")


class _Names:
    def __init__(self, reserved=()):
        self.used = set(reserved)

    def take(self, text, fallback="x"):
        base = python_name(text, fallback)
        if base in ("self", "keras", "tf", "np", "model", "super", "super_") and base not in self.used:
            base = f"{base}_"
        name, i = base, 2
        while name in self.used:
            name = f"{base}_{i}"
            i += 1
        self.used.add(name)
        return name


class Exporter:
    """Writes the Python source for one document."""

    def __init__(self, doc: Document, target: str = "engine", style: str = "functional", weights: bool = False):
        if target not in HEADERS:
            raise ExportError(f"Unknown export target {target!r}; use 'engine' or 'keras'.")
        if style not in ("functional", "subclass"):
            raise ExportError(f"Unknown model style {style!r}; use 'functional' or 'subclass'.")
        self.doc, self.target, self.style, self.weights = doc, target, style, weights
        self.class_names: dict = {}
        # Where each node's layer lives in the exported model (export_files maps weights by it):
        # the Model's nodes by layer name (functional) or attribute (subclass), a block's by attribute.
        self.model_layers: dict = {}     # node id -> ("name" | "attr", value)
        self.block_attrs: dict = {}      # block id -> {node id: attribute}

    # -- pieces ------------------------------------------------------------------------
    def registered(self, class_source: str) -> str:
        """`class_source` under Keras' serialization decorator, so a model saved with `model.save`
        loads again with `keras.models.load_model` once this file is imported. The package is the
        model's name: two exported models with a block of the same name do not replace each other."""
        package = "strata." + python_name(self.doc.model.name, "model")
        return f"@keras.saving.register_keras_serializable(package={json.dumps(package)})\n{class_source}"

    def constructor(self, node, name: str) -> str:
        """`keras.layers.Dense(32, activation="relu", name="dense_1")` for a node."""
        if node.type == BLOCK:
            return f"{self.class_names[node.block]}(name={literal(name)})"
        if node.type == CUSTOM:
            from app.graph.catalogue import custom_ports

            _, cls_name = custom_ports(node.params.get("source", ""))
            return f"{cls_name}()"
        return self.layer_expression(node.type, node.params, name)

    def layer_expression(self, type_name: str, params: dict, name: str | None = None, nested: bool = False) -> str:
        """Constructor call of a built-in or pattern layer; nested layer groups (wrappers'
        `layer`, RNN's `cell`) become nested constructor calls."""
        from app.graph.catalogue import LAYER
        from app.graph.wrappers import nested_params, nested_type

        t = nested_type(type_name)
        if type_name == "Lambda":
            from app.graph.expression import export_source

            args = [export_source(params.get("expression", "x"))] + ([f"name={literal(name)}"] if name else [])
            return f"keras.layers.Lambda({', '.join(args)})"
        kwargs = layer_kwargs(type_name, params)
        args, positional_done = [], False
        for spec in t.params:
            if spec.name not in kwargs:
                continue
            value = kwargs[spec.name]
            if spec.kind == LAYER and isinstance(value, dict):
                inner = self.layer_expression(*nested_params(value), nested=True)
                args.append(inner if spec is t.params[0] else f"{spec.name}={inner}")
                positional_done = True
                continue
            if (spec.required or spec.name in WRITTEN_EVEN_IF_DEFAULT) and not positional_done and spec is t.params[0]:
                args.append(literal(value))
                positional_done = True
                continue
            default = spec.default
            if not spec.required and (value == default or (isinstance(default, tuple) and list(default) == value)):
                continue
            args.append(f"{spec.name}={literal(value)}")
        if name is not None:
            args.append(f"name={literal(name)}")
        prefix = "" if t.special or (self.target == "keras" and type_name in KERAS3_DEFINED_HERE) else "keras.layers."
        if nested:
            return f"{prefix}{type_name}({', '.join(args)})"
        return f"{prefix}{type_name}({_ARGS}{_ARG_SEP.join(args)}{_ARGS_END})"

    def body(self, block_id, input_vars: dict, layer_expr, names: _Names, indent: str) -> tuple[list, list]:
        """Lines computing a block's nodes; returns (lines, output expressions in port order)."""
        doc = self.doc
        block = doc.blocks[block_id]
        live = live_nodes(doc, block_id)
        values, lines = {}, []
        for nid, var in input_vars.items():
            values[(nid, "output")] = var
        for nid in topological_nodes(doc, block_id):
            node = block.nodes[nid]
            if node.type in (INPUT, OUTPUT):
                continue
            if nid not in live:
                continue
            ports = doc.input_ports(block_id, nid)
            args = []
            for port in ports:
                srcs = [values.get(tuple(e.src), "None") for e in doc.edges_into(block_id, nid, port.name)]
                if port.variadic:
                    args.append("[" + ", ".join(srcs) + "]")
                elif srcs:
                    args.append(srcs[0])
            outs = doc.output_ports(block_id, nid)
            targets = [names.take(node.label if len(outs) == 1 else f"{node.label}_{p.name}") for p in outs]
            for p, var in zip(outs, targets):
                values[(nid, p.name)] = var
            lines.append(wrap(f"{indent}{', '.join(targets)} = {layer_expr(nid, node)}({', '.join(args)})", indent))
        results = []
        for out in doc.block_outputs(block_id):
            edges = doc.edges_into(block_id, out.id, "inputs")
            results.append(values.get(tuple(edges[0].src), "None") if edges else "None")
        return lines, results

    def block_class(self, block_id) -> str:
        doc = self.doc
        definition = doc.blocks[block_id]
        attr_names = _Names(["self"])
        attrs = {}
        init = []
        for nid in topological_nodes(doc, block_id):
            node = definition.nodes[nid]
            if node.type in (INPUT, OUTPUT) or nid not in live_nodes(doc, block_id):
                continue
            attrs[nid] = attr_names.take(node.label, python_name(node.type))
            init.append(wrap(f"        self.{attrs[nid]} = {self.constructor(node, attrs[nid])}", " " * 8))
        self.block_attrs[block_id] = dict(attrs)
        arg_names = _Names(["self"])
        inputs = {n.id: arg_names.take(n.params.get("name") or n.label, "inputs") for n in doc.block_inputs(block_id)}
        lines, results = self.body(block_id, inputs, lambda nid, node: f"self.{attrs[nid]}", arg_names, " " * 8)
        text = [f"class {definition.name}(keras.layers.Layer):",
                f'    """Block {definition.name}: {len(attrs)} layer(s)."""', "",
                "    def __init__(self, **kwargs):", "        super().__init__(**kwargs)"]
        text += init or ["        pass"]
        text += ["", f"    def call(self, {', '.join(inputs.values())}):"]
        text += lines
        text.append(f"        return {', '.join(results) if results else 'None'}")
        return "\n".join(text) + "\n"

    def model_functional(self) -> str:
        doc = self.doc
        names = _Names()
        lines = ["def build_model():", f'    """The {doc.model.name} as a functional model."""']
        inputs = {}
        for node in doc.block_inputs(MODEL_ID):
            var = names.take(node.params.get("name") or node.label, "inputs")
            shape = node.params.get("shape")
            shape = (shape,) if isinstance(shape, int) else tuple(shape or ())
            lines.append(f"    {var} = keras.Input(shape={literal(shape)}, name={json.dumps(var)})")
            inputs[node.id] = var
        layer_names = _Names(list(inputs.values()))

        def construct(nid, node):
            name = layer_names.take(node.label, python_name(node.type))
            if node.type != CUSTOM:       # a custom class may not take a name
                self.model_layers[nid] = ("name", name)
            return self.constructor(node, name)

        body, results = self.body(MODEL_ID, inputs, construct, names, "    ")
        lines += body
        ins = list(inputs.values())
        in_expr = ins[0] if len(ins) == 1 else "[" + ", ".join(ins) + "]"
        out_expr = results[0] if len(results) == 1 else "[" + ", ".join(results) + "]"
        lines.append(f"    return keras.Model(inputs={in_expr}, outputs={out_expr}, "
                     f"name={json.dumps(python_name(doc.model.name, 'model'))})")
        return "\n".join(lines) + "\n"

    def model_subclass(self) -> str:
        doc = self.doc
        cls = python_name(doc.model.name, "model").title().replace("_", "") or "Model"
        if cls == "Model":
            cls = "StrataModel"
        attr_names = _Names(["self"])
        attrs, init = {}, []
        for nid in topological_nodes(doc, MODEL_ID):
            node = doc.model.nodes[nid]
            if node.type in (INPUT, OUTPUT) or nid not in live_nodes(doc, MODEL_ID):
                continue
            attrs[nid] = attr_names.take(node.label, python_name(node.type))
            self.model_layers[nid] = ("attr", attrs[nid])
            init.append(wrap(f"        self.{attrs[nid]} = {self.constructor(node, attrs[nid])}", " " * 8))
        in_nodes = doc.block_inputs(MODEL_ID)
        names = _Names(["self", "inputs"] if len(in_nodes) > 1 else ["self"])
        inputs = {n.id: names.take(n.params.get("name") or n.label, "x") for n in in_nodes}
        body, results = self.body(MODEL_ID, inputs, lambda nid, node: f"self.{attrs[nid]}", names, " " * 8)
        lines = [self.registered(f"class {cls}(keras.Model):"), f'    """The {doc.model.name} as a subclassed Model."""', "",
                 "    def __init__(self, **kwargs):", "        super().__init__(**kwargs)"]
        lines += init or ["        pass"]
        # `training` in the signature: Keras' fit/predict pass it (and so the mode reaches Dropout,
        # BatchNormalization and the augmentation layers) only to a call that declares it.
        lines += ["", "    def call(self, inputs, training=None):"]
        if len(inputs) == 1:
            inputs = {k: v for k, v in inputs.items()}
        if len(inputs) == 1 and next(iter(inputs.values())) != "inputs":
            lines.append(f"        {next(iter(inputs.values()))} = inputs")
        elif len(inputs) > 1:
            keys = _Names()     # the inputs' names, as the functional export and the data file name them
            by_id = {n.id: keys.take(n.params.get("name") or n.label, "inputs") for n in in_nodes}
            for n, var in inputs.items():
                key = json.dumps(by_id[n])
                lines.append(f"        {var} = inputs[{key}] if isinstance(inputs, dict) else "
                             f"inputs[{list(inputs).index(n)}]")
        lines += body
        lines.append(f"        return {results[0] if len(results) == 1 else '[' + ', '.join(results) + ']'}")
        lines += ["", "", "def build_model():", f'    """The {doc.model.name}, built on its input shapes."""',
                  f"    model = {cls}(name={json.dumps(python_name(doc.model.name, 'model'))})"]
        shapes = []
        for n in in_nodes:
            shape = n.params.get("shape")
            shape = (shape,) if isinstance(shape, int) else tuple(shape or ())
            shapes.append(f"np.zeros((1,) + {literal(shape)}, dtype=\"float32\")")
        arg = shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"
        lines += [f"    model({arg})", "    return model"]
        return "\n".join(lines) + "\n"

    def training(self) -> str:
        doc = self.doc
        settings = doc.settings.get("training") or {}
        optimizer = settings.get("optimizer", "adam")
        lr = settings.get("learning_rate")
        opt_expr = json.dumps(optimizer)
        if lr is not None and isinstance(optimizer, str):
            cls = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW",
                   "adagrad": "Adagrad"}.get(optimizer.lower())
            if cls:
                opt_expr = f"keras.optimizers.{cls}(learning_rate={literal(lr)})"
        args = [f"optimizer={opt_expr}"]
        data = doc.settings.get("data")
        loss = settings.get("loss")
        if loss == "auto" or (loss is None and data and self._needs_targets()):
            args.append(f"loss={self._auto_loss(data)}")
        elif isinstance(loss, str) and loss.startswith("none"):
            pass  # "none (add_loss only)": the layers add their own losses
        elif loss:
            args.append(f"loss={literal(loss)}")
        elif self._needs_targets() and not data:
            args.append('loss="mse"')
        if settings.get("metrics") and not (isinstance(loss, str) and loss.startswith("none")):
            args.append(f"metrics={literal(list(settings['metrics']))}")
        lines = ["def load_data(model):" if data else "def load_data():"]
        if data and self.target == "keras":
            lines[0] = "def load_data(model=None):"
            lines += [f'    """The project\'s data ({json.dumps(data, sort_keys=True)}), shuffled once, as (x, y).',
                      "",
                      "    Strata's export writes it beside this file: x (or x.<input name> for each input) and y.",
                      '    """',
                      "    with np.load(DATA_FILE, allow_pickle=False) as data:",
                      '        inputs = {key[2:]: data[key] for key in data.files if key.startswith("x.")}',
                      '        x = inputs or data["x"]',
                      '        y = data["y"] if "y" in data.files else None',
                      "    return x, y"]
        elif data:
            lines += [f'    """The project\'s data: {json.dumps(data, sort_keys=True)}, as (x, y) for the model\'s inputs."""',
                      "    from app.data import fit_arrays, load_dataset  # Strata's data sets",
                      "", f"    dataset = load_dataset({literal(data)})",
                      "    # Shuffled once, so that validation_split holds out every class, not the last rows.",
                      "    dataset = dataset.take(np.random.default_rng(0).permutation(len(dataset)))",
                      "    return fit_arrays(dataset, model)"]
        else:
            lines += ['    """Random data shaped like the model\'s inputs (the project has no data set)."""',
                      "    rng = np.random.default_rng(0)"]
            ins = doc.block_inputs(MODEL_ID)
            parts = []
            for n in ins:
                shape = n.params.get("shape")
                shape = (shape,) if isinstance(shape, int) else tuple(shape or ())
                parts.append(f"{json.dumps(python_name(n.params.get('name') or n.label, 'inputs'))}: "
                             f"rng.random((64,) + {literal(shape)}).astype(\"float32\")")
            if len(parts) == 1:
                lines.append("    x = " + parts[0].split(": ", 1)[1])
            else:
                lines.append("    x = {" + ", ".join(parts) + "}")
            if self._needs_targets():
                ys = []
                for out in doc.block_outputs(MODEL_ID):
                    edges = doc.edges_into(MODEL_ID, out.id, "inputs")
                    shape = doc.output_shapes(MODEL_ID, edges[0].src[0]).get(edges[0].src[1]) if edges else None
                    ys.append(f"rng.random((64,) + {literal(tuple(shape[1:]) if shape else ())}).astype(\"float32\")")
                lines.append(f"    y = {ys[0] if len(ys) == 1 else '[' + ', '.join(ys) + ']'}")
                lines.append("    return x, y")
            else:
                lines.append("    return x, None")
        epochs = settings.get("epochs", 5)
        batch = settings.get("batch_size", 32)
        val = settings.get("validation_split", settings.get("validation_fraction", 0.0))
        fit_args = [f"epochs={literal(epochs)}", f"batch_size={literal(batch)}"]
        if val:
            fit_args.append(f"validation_split={literal(val)}")
        if self.weights:
            lines += ["", "", "def load_trained_model():",
                      '    """The model with the weights trained in Strata (WEIGHTS_FILE, beside this file)."""',
                      "    model = build_model()", "    model.load_weights(WEIGHTS_FILE)", "    return model"]
        build = "load_trained_model()" if self.weights else "build_model()"
        lines += ["", "", "def main():", f"    model = {build}", "    model.summary()",
                  f"    model.compile({', '.join(args)})",
                  "    x, y = load_data(model)" if data else "    x, y = load_data()",
                  f"    model.fit(x, y, {', '.join(fit_args)})", "    return model", "", "",
                  'if __name__ == "__main__":', "    main()"]
        return "\n".join(lines) + "\n"

    def _auto_loss(self, data) -> str:
        """The loss "auto" stands for (as the Training panel resolves it): mean squared error for
        regression data, else binary (one output unit) or sparse categorical cross-entropy, from
        logits unless the layer feeding the Output ends in softmax or sigmoid."""
        task = (data or {}).get("params", {}).get("task")
        if task is None and data and data.get("dataset") not in ("csv", "arrays"):
            try:
                from app.data import load_dataset

                task = load_dataset(data).task
            except Exception:  # no data module or a bad spec: training reports it
                task = None
        if task == "regression":
            return '"mean_squared_error"'
        doc, units, activation = self.doc, None, None
        outputs = doc.block_outputs(MODEL_ID)
        edges = doc.edges_into(MODEL_ID, outputs[0].id, "inputs") if len(outputs) == 1 else []
        if edges:
            source = doc.blocks[MODEL_ID].nodes[edges[0].src[0]]
            shape = doc.output_shapes(MODEL_ID, source.id).get(edges[0].src[1])
            units = shape[-1] if shape else None
            activation = "softmax" if source.type == "Softmax" else source.params.get("activation")
        cls = "BinaryCrossentropy" if units == 1 else "SparseCategoricalCrossentropy"
        return f"keras.losses.{cls}(from_logits={activation not in ('softmax', 'sigmoid')})"

    def _needs_targets(self) -> bool:
        """Whether training needs targets: no layer adds its own loss."""
        losses = {"ActivityRegularizationLayer", "LogisticEndpoint", CUSTOM}
        return not any(n.type in losses for b in self.doc.blocks.values() for n in b.nodes.values())

    def source(self) -> str:
        doc = self.doc
        used_types = {n.type for b in doc.blocks.values() for n in b.nodes.values()}
        order = self._block_order()
        taken = set()
        for bid in order:
            name = doc.blocks[bid].name
            while name in taken:
                name += "_"
            taken.add(name)
            self.class_names[bid] = name
        data_file = self.target == "keras" and bool(doc.settings.get("data"))
        files = []
        if data_file:
            files.append("DATA_FILE = os.path.splitext(os.path.abspath(__file__))[0] + \".npz\"")
        if self.weights:
            files.append("WEIGHTS_FILE = os.path.splitext(os.path.abspath(__file__))[0] + \".weights.h5\"")
        parts = [f'"""{doc.model.name}: exported by Strata."""', ""]
        parts += ["import os", ""] if files else []
        parts += ["import numpy as np", "", HEADERS[self.target]]
        if self.target == "keras":
            parts[-1] += "\n\n" + KERAS_TF_SHIM
        if files:
            parts += ["", "# Written beside this file by Strata's export (same name, other extension)."] + files
        parts.append("")
        for type_name in sorted(PATTERN_SOURCES):
            if type_name in used_types:
                sources = KERAS3_SOURCES if self.target == "keras" else {}
                parts += ["", self.registered(sources.get(type_name, PATTERN_SOURCES[type_name]))]
        if self.target == "keras":
            parts += ["\n" + self.registered(KERAS3_DEFINED_HERE[name])
                      for name in sorted(KERAS3_DEFINED_HERE) if name in used_types]
        seen_custom = set()
        for bid in [MODEL_ID] + order:
            for node in sorted(doc.blocks[bid].nodes.values(), key=lambda n: edge_sort_key(n.id)):
                if node.type == CUSTOM and node.params.get("source") not in seen_custom:
                    seen_custom.add(node.params.get("source"))
                    parts += ["", node.params.get("source", "").rstrip() + "\n"]
        for bid in order:
            parts += ["", self.registered(self.block_class(bid))]
        parts += ["", self.model_functional() if self.style == "functional" else self.model_subclass()]
        parts += ["", self.training()]
        text = "\n".join(parts)
        while "\n\n\n\n" in text:
            text = text.replace("\n\n\n\n", "\n\n\n")
        return text.strip() + "\n"

    def _block_order(self) -> list:
        """Block definitions used by the Model, innermost first."""
        doc, order = self.doc, []

        def visit(bid):
            for node in sorted(doc.blocks[bid].nodes.values(), key=lambda n: edge_sort_key(n.id)):
                if node.type == BLOCK and node.block in doc.blocks and node.block not in order:
                    visit(node.block)
                    order.append(node.block)

        visit(MODEL_ID)
        return order


def export_python(doc: Document, target: str = "engine", style: str = "functional", weights: bool = False) -> str:
    """Python source for the document (see the module docstring). Raises ExportError if the
    document has problems that stop it building. The Keras target reads the project's data set
    from `NAME.npz` beside the file; with `weights` the code loads `NAME.weights.h5` (both
    written by `app.graph.export_files.write_export`)."""
    from app.graph.compiler import BLOCKING

    doc.recheck()
    problems = [p for p in doc.problems() if p.kind in BLOCKING]
    if problems:
        raise ExportError("Fix these problems before exporting:\n" + "\n".join(f"  - {p.message}" for p in problems))
    return Exporter(doc, target, style, weights).source()
