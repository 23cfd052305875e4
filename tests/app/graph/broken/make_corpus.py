"""Writes the broken-project corpus (run: PYTHONPATH=. python tests/app/graph/broken/make_corpus.py).

Each file breaks one thing; `expected.json` maps file name -> text the load error must contain.
"""

import io
import json
import pathlib
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).parent


def good_project():
    from app.graph import MODEL_ID, AddNode, Connect, Document

    doc = Document()
    i = doc.apply(AddNode(MODEL_ID, "Input", {"shape": (4,)})).node_id
    d = doc.apply(AddNode(MODEL_ID, "Dense", {"units": 2})).node_id
    o = doc.apply(AddNode(MODEL_ID, "Output")).node_id
    doc.apply(Connect(MODEL_ID, (i, "output"), (d, "inputs")))
    doc.apply(Connect(MODEL_ID, (d, "output"), (o, "inputs")))
    from app.graph.compiler import compile_document

    compile_document(doc).store_weights(doc)
    from app.graph.project import project_bytes

    return project_bytes(doc)[0]


def members(blob):
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return {n: z.read(n) for n in z.namelist()}


def pack(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def edit_json(blob, fn):
    files = members(blob)
    data = json.loads(files["project.json"])
    fn(data)
    files["project.json"] = json.dumps(data, indent=2, sort_keys=True).encode()
    return pack(files)


def main():
    blob = good_project()
    files = members(blob)
    cases = {}

    def write(name, data, expected):
        (HERE / name).write_bytes(data)
        cases[name] = expected

    write("not_a_zip.strata", b"hello, I am not a project", "not a zip archive")
    write("truncated.strata", blob[: len(blob) // 2], "truncated")
    write("empty.strata", b"", "not a zip archive")
    write("no_project_json.strata", pack({"weights.npz": files["weights.npz"]}), "project.json is missing")
    write("bad_json.strata", pack({**files, "project.json": b'{"schema": 2, "blocks": {'}), "line 1 column")
    write("not_object.strata", pack({**files, "project.json": b"[1, 2]"}), "expected a JSON object")
    write("newer_schema.strata", edit_json(blob, lambda d: d.update(schema=99)), "schema 99 is newer")
    write("no_schema.strata", edit_json(blob, lambda d: d.pop("schema")), "schema: expected an integer")

    def first_node(d, t):
        return next(k for k, v in d["blocks"]["model"]["nodes"].items() if v["type"] == t)

    def unknown_type(d):
        d["blocks"]["model"]["nodes"][first_node(d, "Dense")]["type"] = "Denseee"
    write("unknown_node_type.strata", edit_json(blob, unknown_type), "unknown node type 'Denseee'")

    def bad_units(d):
        d["blocks"]["model"]["nodes"][first_node(d, "Dense")]["params"]["units"] = "ten"
    write("bad_param_value.strata", edit_json(blob, bad_units), "params.units: units must be an integer")

    def unknown_param(d):
        d["blocks"]["model"]["nodes"][first_node(d, "Dense")]["params"]["colour"] = 3
    write("unknown_param.strata", edit_json(blob, unknown_param), "has no parameter 'colour'")

    def dangling_edge(d):
        e = next(iter(d["blocks"]["model"]["edges"].values()))
        e["dst"] = ["n999", "inputs"]
    write("edge_to_missing_node.strata", edit_json(blob, dangling_edge), "missing node 'n999'")

    def bad_position(d):
        d["blocks"]["model"]["nodes"][first_node(d, "Dense")]["position"] = ["a", 1]
    write("bad_position.strata", edit_json(blob, bad_position), ".position: expected [x, y]")

    def missing_block(d):
        d["blocks"]["model"]["nodes"]["n50"] = {"type": "Block", "block": "b77", "label": "x", "params": {},
                                                 "position": [0, 0]}
    write("missing_block_def.strata", edit_json(blob, missing_block), "missing block definition 'b77'")

    def nan_param(d):
        d["blocks"]["model"]["nodes"][first_node(d, "Input")]["params"]["shape"] = [float("nan")]
    raw = edit_json(blob, nan_param)
    write("nan_param.strata", raw, "NaN is not allowed")

    nan_weights = dict(np.load(io.BytesIO(files["weights.npz"])))
    nan_weights["w0_0"] = np.full_like(nan_weights["w0_0"], np.nan)
    buf = io.BytesIO()
    np.savez(buf, **nan_weights)
    write("nan_weights.strata", pack({**files, "weights.npz": buf.getvalue()}), "NaN or infinite")

    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    obj = io.BytesIO()
    with zipfile.ZipFile(obj, "w") as z:
        z.writestr("w0_0.npy", pickled.getvalue())
        z.writestr("w0_1.npy", pickled.getvalue())
    write("pickled_weights.strata", pack({**files, "weights.npz": obj.getvalue()}), "weights.npz: unreadable")
    write("missing_weights.strata", pack({"project.json": files["project.json"]}), "weights.npz is missing")
    write("bad_history.strata", pack({**files, "history.json": b'{"not": "a list"}'}), "history.json")

    def bad_settings(d):
        d["settings"] = [1]
    write("bad_settings.strata", edit_json(blob, bad_settings), "settings: expected an object")
    def bad_data_spec(d):
        d["settings"]["data"] = "mnist"
    write("bad_data_spec.strata", edit_json(blob, bad_data_spec), "settings.data: expected")

    def bad_epochs(d):
        d["settings"]["training"]["epochs"] = 0
    write("bad_epochs.strata", edit_json(blob, bad_epochs), "settings.training.epochs: expected a positive integer")
    (HERE / "expected.json").write_text(json.dumps(cases, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
