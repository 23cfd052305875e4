"""Incremental check cost on a 300-node document.

Run: PYTHONPATH=. python bench/graph_bench.py
Builds Input -> 298 Dense (alternating widths) -> Output, then times single edits: a
parameter change in the middle whose output shape is unchanged downstream, one that changes
the next node's shape, a label change, a move, and undo of each.
"""

from __future__ import annotations

import statistics
import time

from app.graph import MODEL_ID, AddNode, Connect, Document, MoveNodes, SetLabel, SetParams


def build(n_nodes=300):
    doc = Document()
    ids = [doc.apply(AddNode(MODEL_ID, "Input", {"shape": (16,)})).node_id]
    for i in range(n_nodes - 2):
        ids.append(doc.apply(AddNode(MODEL_ID, "Dense", {"units": 16 + (i % 3)}, position=(i * 10.0, 0))).node_id)
    ids.append(doc.apply(AddNode(MODEL_ID, "Output")).node_id)
    for a, b in zip(ids, ids[1:]):
        doc.apply(Connect(MODEL_ID, (a, "output"), (b, "inputs")))
    return doc, ids


def timed(doc, make_op, repeats=20):
    samples = []
    for r in range(repeats):
        op = make_op(r)
        start = time.perf_counter()
        doc.apply(op)
        samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        doc.revert(op)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


def main():
    start = time.perf_counter()
    doc, ids = build()
    print(f"built 300-node document in {time.perf_counter() - start:.2f} s; problems: {len(doc.problems())}")
    mid = ids[150]
    cases = {
        "activation (shape unchanged)": lambda r: SetParams(MODEL_ID, mid, {"activation": ["relu", "tanh"][r % 2]}),
        "units (next node re-checked)": lambda r: SetParams(MODEL_ID, mid, {"units": 20 + r}),
        "label": lambda r: SetLabel(MODEL_ID, mid, f"n{r}"),
        "move": lambda r: MoveNodes(MODEL_ID, {mid: (r, r)}),
    }
    # warm the layer cache for every case's values (first sight of a new shape builds a layer)
    for make in cases.values():
        timed(doc, make, repeats=20)
    for name, make in cases.items():
        median, worst = timed(doc, make)
        print(f"{name:32s} median {median:6.2f} ms   max {worst:6.2f} ms  (apply or undo, incl. re-check)")
    start = time.perf_counter()
    op = SetParams(MODEL_ID, mid, {"units": 999})
    doc.apply(op)
    print(f"{'units, never seen (cold layer)':32s} {1000 * (time.perf_counter() - start):6.2f} ms")
    doc.revert(op)


if __name__ == "__main__":
    main()
