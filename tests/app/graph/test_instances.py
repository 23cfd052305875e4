"""Block definitions are checked per instance (`instance_path`)."""

import pytest

from app.graph import MODEL_ID, AddBlock, Document, RemoveNodes
from tests.app.graph.helpers import add, wire


def _two_instances():
    """Block "Proj" = Input -> Dense(3) -> Reshape((3, 1)) ... used with inputs (4,) and (5,),
    and a Reshape((2, 4)) that only fits the (8,)-wide instance."""
    doc = Document()
    block = doc.apply(AddBlock("Proj")).block_id
    doc.apply(RemoveNodes(block, list(doc.blocks[block].nodes)))     # the default Input/Output
    bin_ = add(doc, "Input", {"name": "x"}, block=block)
    dense = add(doc, "Dense", {"units": 3}, block=block, label="dense")
    reshape = add(doc, "Reshape", {"target_shape": (2, 4)}, block=block, label="grid")
    bout1 = add(doc, "Output", {"name": "projected"}, block=block, position=(300, 0))
    bout2 = add(doc, "Output", {"name": "grid"}, block=block, position=(300, 100))
    wire(doc, bin_, dense, block=block)
    wire(doc, bin_, reshape, block=block)
    wire(doc, dense, bout1, block=block)
    wire(doc, reshape, bout2, block=block)
    wide_in = add(doc, "Input", {"shape": (8,), "name": "wide"}, position=(0, 0))
    narrow_in = add(doc, "Input", {"shape": (6,), "name": "narrow"}, position=(0, 200))
    wide = add(doc, "Block", block_ref=block, label="wide_proj")
    narrow = add(doc, "Block", block_ref=block, label="narrow_proj")
    wire(doc, wide_in, wide, dst_port="x")
    wire(doc, narrow_in, narrow, dst_port="x")
    for inst, y in ((wide, 0), (narrow, 200)):
        for port in ("projected", "grid"):
            out = add(doc, "Output", {"name": f"{inst}_{port}"}, position=(600, y))
            wire(doc, inst, out, src_port=port)
    return doc, block, dense, reshape, wide, narrow


def test_each_instance_has_its_own_shapes_and_parameter_counts():
    doc, block, dense, reshape, wide, narrow = _two_instances()
    assert doc.instance_paths(block) == [(wide,), (narrow,)]
    assert doc.output_shapes(block, dense, instance_path=(wide,)) == {"output": (None, 3)}
    assert doc.param_count(block, dense, instance_path=(wide,)) == 8 * 3 + 3
    assert doc.param_count(block, dense, instance_path=(narrow,)) == 6 * 3 + 3
    assert doc.output_shapes(block, reshape, instance_path=(wide,)) == {"output": (None, 2, 4)}
    assert doc.output_shapes(block, reshape, instance_path=(narrow,)) == {"output": None}
    edge = doc.edges_into(block, reshape)[0].id
    assert doc.edge_shape(block, edge, instance_path=(wide,)) == (None, 8)
    assert doc.edge_shape(block, edge, instance_path=(narrow,)) == (None, 6)
    assert doc.output_shapes(block, dense) == {"output": (None, 3)}     # default: the first instance
    with pytest.raises(ValueError, match="not a block instance"):
        doc.output_shapes(block, dense, instance_path=("nope",))


def test_a_problem_of_one_instance_only_names_that_instance():
    doc, block, dense, reshape, wide, narrow = _two_instances()
    inside = doc.problems(block)
    assert [(p.node, p.instance) for p in inside] == [(reshape, (narrow,))]
    assert inside[0].message.startswith('In instance "narrow_proj": ')
    assert "(None, 6)" in inside[0].message and "7" not in inside[0].message
    assert doc.problems(block, instance_path=(wide,)) == []
    assert [p.node for p in doc.problems(block, instance_path=(narrow,))] == [reshape]
    in_model = doc.problems(MODEL_ID)
    assert [p.node for p in in_model if p.kind == "block"] == [narrow]


def test_a_problem_every_instance_shares_is_listed_once_without_an_instance():
    from app.graph import SetParams

    doc, block, dense, reshape, wide, narrow = _two_instances()
    doc.apply(SetParams(block, reshape, {"target_shape": (5, 5)}))
    inside = [p for p in doc.problems(block) if p.node == reshape]
    assert len(inside) == 2 and {p.instance for p in inside} == {(wide,), (narrow,)}   # shapes differ per instance
    doc.apply(SetParams(block, dense, {"units": -1}))
    dense_problems = [p for p in doc.problems(block) if p.node == dense]
    assert len(dense_problems) == 1 and dense_problems[0].instance == ()


def test_nested_instances_have_paths_through_the_outer_definition():
    from app.graph import GroupIntoBlock

    doc, block, dense, reshape, wide, narrow = _two_instances()
    outer = doc.apply(GroupIntoBlock(MODEL_ID, [narrow], "Outer"))
    inner_instance = narrow
    paths = doc.instance_paths(block)
    assert paths == [(wide,), (outer.instance_id, inner_instance)]
    assert doc.param_count(block, dense, instance_path=paths[1]) == 6 * 3 + 3
    named = [p for p in doc.problems(block) if p.instance]
    assert named and named[0].message.startswith(f'In instance "{doc.model.nodes[outer.instance_id].label}" / '
                                                 '"narrow_proj": ')
