"""Small documents shared by the graph tests."""

from app.graph import AddNode, Connect, Document, MODEL_ID


def add(doc, type_, params=None, block=MODEL_ID, **kw):
    return doc.apply(AddNode(block, type_, params, **kw)).node_id


def wire(doc, src, dst, block=MODEL_ID, src_port="output", dst_port="inputs"):
    return doc.apply(Connect(block, (src, src_port), (dst, dst_port))).edge_id


def mlp_document(units=(32, 10), input_dim=8):
    """Input -> Dense... -> Output; returns (doc, [node ids in order])."""
    doc = Document()
    ids = [add(doc, "Input", {"shape": (input_dim,)}, position=(0, 0))]
    for i, u in enumerate(units):
        ids.append(add(doc, "Dense", {"units": u, "activation": "relu" if i < len(units) - 1 else None},
                       position=(200 * (i + 1), 0)))
    ids.append(add(doc, "Output", position=(200 * (len(units) + 1), 0)))
    for a, b in zip(ids, ids[1:]):
        wire(doc, a, b)
    return doc, ids
