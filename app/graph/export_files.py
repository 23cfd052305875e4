"""Write an export to disk: the Python file and what it loads from beside it.

`model.py` (from `app.graph.export`) comes with, for the Keras target, the project's data set
as `model.npz` (read with `allow_pickle=False`), and, when asked, the trained weights as
`model.weights.h5` in Keras 3's format, for either target. Everything is computed in memory
first and then each file is written atomically, so a failed export leaves no file behind.

The weights file must follow the layout of the *exported* model (its layer names and
attributes), not of the model Strata compiles (blocks there are generic `StrataBlock`s). So
the engine version of the same export is built, each of its layers receives the weights of
the node it was made for, and the engine writes its `.weights.h5`, which Keras 3 reads.
"""

from __future__ import annotations

import io
import os
import types

import numpy as np

from app.graph.checks import live_nodes
from app.graph.document import BLOCK, INPUT, MODEL_ID, OUTPUT
from app.graph.export import ExportError, Exporter, export_python

DATA_SUFFIX = ".npz"
WEIGHTS_SUFFIX = ".weights.h5"


def sibling(code_path, suffix: str) -> str:
    """The file beside `code_path` that the exported code reads: same name, `suffix` instead
    of the code file's extension (as `os.path.splitext(__file__)[0] + suffix` in the code)."""
    return os.path.splitext(os.path.abspath(str(code_path)))[0] + suffix


def write_export(doc, code_path, target: str = "keras", style: str = "functional", weights: bool = False) -> list:
    """Write the export of `doc` to `code_path` and the files its code loads; returns the paths
    written. Raises ExportError naming the file when the export cannot be made; OSError when a
    file cannot be written (files already written by this call are removed again)."""
    text = export_python(doc, target, style, weights=weights)
    payloads = {}
    if target == "keras" and doc.settings.get("data"):
        payloads[sibling(code_path, DATA_SUFFIX)] = data_npz_bytes(doc)
    if weights:
        payloads[sibling(code_path, WEIGHTS_SUFFIX)] = weights_h5_bytes(doc, style)
    payloads[str(code_path)] = text.encode("utf-8")
    return _write_all(payloads)


def _write_all(payloads: dict) -> list:
    from app.graph.project import atomic_write_bytes

    written = []
    try:
        for path, data in payloads.items():
            atomic_write_bytes(path, data)
            _ordinary_permissions(path)
            written.append(path)
    except OSError as exc:
        for done in written:
            try:
                os.unlink(done)
            except OSError:
                pass
        raise OSError(exc.errno, exc.strerror or str(exc), path) from None     # name the file, not its temp
    return written


def _ordinary_permissions(path) -> None:
    """mkstemp makes files 0600; an exported file is an ordinary one (umask applies)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def data_npz_bytes(doc) -> bytes:
    """The project's data set, shuffled as the exported code used to shuffle it, fitted to the
    model's inputs: `x` (or `x.<input name>` per input) and `y` (absent when the model takes
    its targets as an input)."""
    from app.graph.compiler import CompileError, compile_document

    spec = doc.settings.get("data")
    try:
        from app.data import fit_arrays, load_dataset
    except ImportError:
        raise ExportError("this Strata build has no data sets (app.data); cannot write the data file") from None
    try:
        model = compile_document(doc, restore_weights=False).model
        dataset = load_dataset(spec)
        dataset = dataset.take(np.random.default_rng(0).permutation(len(dataset)))
        x, y = fit_arrays(dataset, model)
    except CompileError as exc:
        raise ExportError(str(exc)) from None
    except ValueError as exc:
        raise ExportError(f"data set {spec.get('dataset')!r}: {exc}") from None
    arrays = {f"x.{name}": np.asarray(value) for name, value in x.items()} if isinstance(x, dict) else \
        {"x": np.asarray(x)}
    if y is not None:
        if isinstance(y, (dict, list, tuple)):
            raise ExportError(f"data set {spec.get('dataset')!r}: several target arrays cannot be exported yet")
        arrays["y"] = np.asarray(y)
    for key, value in arrays.items():
        if value.dtype.kind not in "biuf":
            raise ExportError(f"data set {spec.get('dataset')!r}: {key} holds {value.dtype} values, "
                              "which the exported file cannot store without pickling")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def weights_h5_bytes(doc, style: str = "functional") -> bytes:
    """The document's current weights as a Keras 3 `.weights.h5` for the exported model."""
    import h5py

    from app.graph.compiler import CompileError, compile_document
    from engine.saving.weights_store import write_weights

    try:
        compiled = compile_document(doc)
    except CompileError as exc:
        raise ExportError(str(exc)) from None
    exporter = Exporter(doc, "engine", style)
    model = _build_engine_twin(exporter.source())
    for path, layer, label in _layer_pairs(doc, exporter, model):
        source = compiled.layers.get(path)
        values = source.get_weights() if source is not None else []
        if not values:
            continue
        if layer is None:      # a custom class in a functional model has no name to find it by
            raise ExportError(f"custom layer node {label!r}: its weights cannot be exported in a functional "
                              "model; export in the subclass style, or without weights")
        try:
            layer.set_weights(values)
        except ValueError as exc:
            raise ExportError(f"weights of layer {layer.name!r} do not fit the exported model: {exc}") from None
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_weights(h5, model)
    return buffer.getvalue()


def _build_engine_twin(source: str):
    """`build_model()` of the engine export (the same classes and names as the Keras export)."""
    module = types.ModuleType("strata_export_twin")
    module.__file__ = "strata_export_twin.py"
    exec(compile(source, "<strata export>", "exec"), module.__dict__)   # our own generated code
    return module.build_model()


def _layer_pairs(doc, exporter, model) -> list:
    """(compiled layer path, exported layer or None, label) for every leaf node, blocks followed inside.
    Paths are the compiler's: `n5`, `n20/n5` in block instances, `shared:b8/n5` for shared ones."""
    pairs = []

    def visit(block_id, prefix, lookup):
        block = doc.blocks[block_id]
        live = live_nodes(doc, block_id)
        for nid, node in block.nodes.items():
            if node.type in (INPUT, OUTPUT) or nid not in live:
                continue
            layer = lookup(nid)
            if node.type == BLOCK:
                inner = f"shared:{node.block}/" if node.shared_weights else f"{prefix}{nid}/"
                attrs = exporter.block_attrs.get(node.block, {})
                visit(node.block, inner, lambda n, outer=layer, a=attrs: getattr(outer, a[n]))
            else:
                pairs.append((f"{prefix}{nid}", layer, node.label))

    def top(nid):
        where = exporter.model_layers.get(nid)
        if where is None:
            return None
        kind, value = where
        return model.get_layer(value) if kind == "name" else getattr(model, value)

    visit(MODEL_ID, "", top)
    return pairs
