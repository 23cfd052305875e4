"""Strata's document model (pure Python, no Qt): see app/graph/README.md."""

from app.graph.document import (  # noqa: F401
    BLOCK, BLOCK_ADDED, BLOCK_CHANGED, BLOCK_REMOVED, CUSTOM, EDGE_ADDED, EDGE_REMOVED, INPUT, MODEL_ID,
    NODE_ADDED, NODE_CHANGED, NODE_REMOVED, OUTPUT, PROBLEMS_CHANGED, RESET, SETTINGS_CHANGED, SHAPES_CHANGED,
    BlockDef, Change, Document, Edge, EditError, Node, Port, Problem,
)
from app.graph.operations import (  # noqa: F401
    AddBlock, AddNode, Composite, Connect, Disconnect, GroupIntoBlock, MoveNodes, Operation, RemoveBlock,
    RemoveNodes, RenameBlock, SetLabel, SetParams, SetSetting, SetSharedWeights, UnpackBlock,
)
from app.graph.history import History  # noqa: F401
