"""Random edits through the GUI's undo commands; undo and redo must restore every state."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings as hyp_settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from PySide6.QtCore import QPointF, QSettings

from app.graph import MODEL_ID
from app.graph import operations as ops
from tests.app.canvas.conftest import structure

TYPES = ["Input", "Dense", "Dense", "Output", "ActivityRegularizationLayer"]


class EditorMachine(RuleBasedStateMachine):
    """History model: `states[i]` is the document after i commands of the undo stack."""

    invariant_checks = 0  # how often the invariant below ran, over all examples

    def __init__(self):
        super().__init__()
        from app.main_window import MainWindow

        self.folder = tempfile.TemporaryDirectory()
        store = QSettings(str(Path(self.folder.name) / "s.ini"), QSettings.Format.IniFormat)
        store.setValue("recovery_dir", str(Path(self.folder.name) / "recovery"))
        store.setValue("trust_path", str(Path(self.folder.name) / "t.json"))
        self.window = MainWindow(settings=store)
        self.stack = self.window.editor.undo_stack
        self.states = [structure(self.window.document)]

    @property
    def doc(self):
        return self.window.document

    def _record(self, before_index):
        """After an attempted edit: a pushed command moved the index on and dropped the redo tail."""
        if self.stack.index() != before_index:
            assert self.stack.index() == before_index + 1 == self.stack.count()
            del self.states[before_index + 1:]
            self.states.append(structure(self.doc))
        assert len(self.states) == self.stack.count() + 1

    def _nodes(self):
        return list(self.doc.blocks[self.window.block_id].nodes)

    @rule(kind=st.sampled_from(TYPES), x=st.integers(-400, 400), y=st.integers(-400, 400))
    def add_node(self, kind, x, y):
        index = self.stack.index()
        self.window.scene.request_add_node(kind, QPointF(x, y))
        self._record(index)

    @precondition(lambda self: len(self._nodes()) >= 2)
    @rule(data=st.data())
    def connect(self, data):
        index = self.stack.index()
        items = self.window.scene.node_items
        sources = [p for item in items.values() for p in item.output_ports]
        targets = [p for item in items.values() for p in item.input_ports]
        if sources and targets:
            self.window.scene.connect_ports(data.draw(st.sampled_from(sources)), data.draw(st.sampled_from(targets)))
        self._record(index)

    @precondition(lambda self: self._nodes())
    @rule(data=st.data())
    def delete(self, data):
        index = self.stack.index()
        node_id = data.draw(st.sampled_from(self._nodes()))
        self.window._select_only(node_id)
        self.window.delete_selection()
        self._record(index)

    @precondition(lambda self: self._nodes())
    @rule(data=st.data(), dx=st.integers(-200, 200))
    def move(self, data, dx):
        index = self.stack.index()
        node_id = data.draw(st.sampled_from(self._nodes()))
        x, y = self.doc.blocks[self.window.block_id].nodes[node_id].position
        self.window.editor.execute(ops.MoveNodes(self.window.block_id, {node_id: (x + dx, y)}))
        self._record(index)

    @precondition(lambda self: any(self.doc.model.nodes[n].type == "Dense" for n in self.doc.model.nodes))
    @rule(data=st.data(), units=st.integers(1, 64))
    def set_units(self, data, units):
        if self.window.block_id != MODEL_ID:
            return
        index = self.stack.index()
        dense = [n for n, node in self.doc.model.nodes.items() if node.type == "Dense"]
        node_id = data.draw(st.sampled_from(dense))
        self.window._select_only(node_id)
        self.window.inspector.param_editors["units"].setValue(units)
        self._record(index)

    @precondition(lambda self: len(self._nodes()) >= 1)
    @rule(data=st.data())
    def group(self, data):
        index = self.stack.index()
        chosen = data.draw(st.lists(st.sampled_from(self._nodes()), min_size=1, max_size=3, unique=True))
        self.window.scene.clearSelection()
        for node_id in chosen:
            self.window.scene.node_items[node_id].setSelected(True)
        self.window.group_selection("G")
        self._record(index)

    @precondition(lambda self: self.stack.canUndo())
    @rule()
    def undo(self):
        self.stack.undo()

    @precondition(lambda self: self.stack.canRedo())
    @rule()
    def redo(self):
        self.stack.redo()

    @invariant()
    def document_matches_history_and_view(self):
        EditorMachine.invariant_checks += 1
        assert structure(self.doc) == self.states[self.stack.index()]
        scene = self.window.scene
        block = self.doc.blocks[scene.block_id]
        assert set(scene.node_items) == set(block.nodes)
        assert set(scene.wire_items) == set(block.edges)
        for node_id, item in scene.node_items.items():
            assert (item.pos().x(), item.pos().y()) == tuple(block.nodes[node_id].position)

    def teardown(self):
        self.stack.setClean()
        self.window.scene.detach()
        self.window.deleteLater()
        self.folder.cleanup()


EditorMachine.TestCase.settings = hyp_settings(max_examples=20, stateful_step_count=14, deadline=None,
                                               suppress_health_check=list(HealthCheck))


def test_random_edits_undo_and_redo(qapp):
    """Random edits, undos and redos keep document, history and canvas in step (the
    machine's invariant asserts it after every step; a failure raises from runTest)."""
    EditorMachine.invariant_checks = 0
    EditorMachine.TestCase("runTest").runTest()
    assert EditorMachine.invariant_checks >= 20  # the invariant really ran, at least once per example
