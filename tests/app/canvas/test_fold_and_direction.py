"""Block › Fold Repeated Blocks and Arrange › Flow direction in the real main window: one undo
step each, undo restores the document exactly."""

from app.graph import AddNode, Connect, Document, MODEL_ID
from app.graph.document import BLOCK
from tests.app.canvas.conftest import structure


def _repeats_document(count=3):
    """Input -> stem -> count x (Dense, Dense, Add with the skip) -> Output."""
    doc = Document()

    def add(kind, params=None, label=None):
        return doc.apply(AddNode(MODEL_ID, kind, params or {}, label=label)).node_id

    def wire(src, dst):
        doc.apply(Connect(MODEL_ID, (src, "output"), (dst, "inputs")))

    previous = add("Input", {"shape": (4,)})
    stem = add("Dense", {"units": 4}, "stem")
    wire(previous, stem)
    previous = stem
    for i in range(count):
        a = add("Dense", {"units": 4, "activation": "relu"}, f"block{i}_a")
        b = add("Dense", {"units": 4}, f"block{i}_b")
        join = add("Add", {}, f"block{i}_add")
        wire(previous, a)
        wire(a, b)
        wire(previous, join)
        wire(b, join)
        previous = join
    out = add("Output")
    wire(previous, out)
    return doc


def test_fold_repeated_blocks_is_one_undo_step(window):
    window.set_document(_repeats_document())
    doc = window.document
    before = structure(doc)
    assert window.fold_action.text() == "Fold Repeated Blocks"
    window.fold_action.trigger()
    instances = [n for n in doc.model.nodes.values() if n.type == BLOCK]
    assert [n.label for n in sorted(instances, key=lambda n: n.label)] == ["block0", "block1", "block2"]
    assert len({n.block for n in instances}) == 1
    assert set(window.scene.node_items) == set(doc.model.nodes)
    assert window.editor.undo_stack.count() == 1
    window.editor.undo_stack.undo()
    assert structure(doc) == before
    assert set(window.scene.node_items) == set(doc.model.nodes)
    window.editor.undo_stack.redo()
    assert sum(n.type == BLOCK for n in doc.model.nodes.values()) == 3


def test_fold_with_nothing_repeated_says_so(window):
    window.set_document(_repeats_document(count=1))
    assert window.fold_repeated_blocks() is None
    assert "No repeated structure" in window.statusBar().currentMessage()
    assert window.editor.undo_stack.count() == 0


def test_flow_direction_is_a_project_setting_and_lays_out(window):
    window.set_document(_repeats_document(count=1))
    doc = window.document
    window.direction_actions["TB"].trigger()
    assert doc.settings["layout_direction"] == "TB"
    nodes = {n.label: n.position for n in doc.model.nodes.values() if n.label}
    assert nodes["stem"][1] < nodes["block0_a"][1] < nodes["block0_b"][1] < nodes["block0_add"][1]
    window._sync_direction_checks()
    assert window.direction_actions["TB"].isChecked() and not window.direction_actions["LR"].isChecked()
    window.auto_layout()                       # the plain auto layout keeps the chosen direction
    nodes = {n.label: n.position for n in doc.model.nodes.values() if n.label}
    assert nodes["stem"][1] < nodes["block0_a"][1]
    window.editor.undo_stack.undo()
    window.editor.undo_stack.undo()
    assert doc.settings.get("layout_direction") is None


def test_opening_a_keras_model_imports_it_folded(window, qtbot, tmp_path):
    import keras

    inputs = keras.Input(shape=(4,), name="x")
    h = keras.layers.Dense(4, name="stem")(inputs)
    for i in range(2):
        branch = keras.layers.Dense(4, activation="relu", name=f"block{i}_a")(h)
        h = keras.layers.Add(name=f"block{i}_add")([h, keras.layers.Dense(4, name=f"block{i}_b")(branch)])
    path = tmp_path / "model.keras"
    keras.Model(inputs, h).save(path)
    assert window.open_path(str(path))
    qtbot.waitUntil(lambda: not window.open_running(), timeout=60000)   # imported on a worker
    assert window.file_path is None                      # Save asks for a project name
    labels = sorted(n.label for n in window.document.model.nodes.values() if n.type == BLOCK)
    assert labels == ["block0", "block1"]
    assert set(window.scene.node_items) == set(window.document.model.nodes)
