"""The Inspector dock: the selected node's label, parameters and weight count."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QFormLayout, QSizePolicy, QLabel, QLineEdit, QPushButton, QScrollArea, QToolButton, QVBoxLayout, QWidget,
)

from app.graph import document as gdoc
from app.graph import operations as ops
from app.i18n import tr
from app.panels.param_widgets import make_param_widget


# Parameters most people leave alone: folded under "Advanced".
ADVANCED_KINDS = {"initializer", "regularizer", "constraint", "dtype"}
ADVANCED_NAMES = {"data_format", "dilation_rate", "groups", "use_bias", "bias_initializer", "seed",
                  "recurrent_dropout", "unroll", "go_backwards", "stateful", "return_state"}


class Inspector(QScrollArea):
    """Edits one node through the editor (each change one undo step).

    `enter_block`, `unpack_block`, `duplicate_block` and `edit_code` are requests the main
    window carries out.
    """

    enter_block = Signal(str)
    unpack_block = Signal(str)
    duplicate_block = Signal(str)
    edit_code = Signal(str)

    def __init__(self, editor, parent=None):
        super().__init__(parent)
        self.editor = editor
        self.block_id = gdoc.MODEL_ID
        self.node_id: str | None = None
        self.param_editors: dict[str, QWidget] = {}
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.show_advanced = False
        self._unsubscribe = None
        self._updating = False
        self.show_node(gdoc.MODEL_ID, None)

    def follow(self, document) -> None:
        """Listen to a (new) document's notifications."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = document.subscribe(self._on_change)
        self.show_node(gdoc.MODEL_ID, None)

    def _on_change(self, change) -> None:
        if self._updating:
            return
        if self.node_id is None:
            if change.kind in (gdoc.SHAPES_CHANGED, gdoc.PROBLEMS_CHANGED, gdoc.RESET):
                self.show_node(self.block_id, None)  # the model's parameter total
            return
        relevant = (change.kind in (gdoc.RESET, gdoc.SHAPES_CHANGED, gdoc.PROBLEMS_CHANGED, gdoc.BLOCK_CHANGED)
                    or (change.block == self.block_id and change.node == self.node_id
                        and change.key not in ("position",)))
        if relevant:
            self.show_node(self.block_id, self.node_id)

    def show_node(self, block_id: str, node_id: str | None) -> None:
        """Show `node_id` of `block_id` (None: a hint to select something)."""
        document = self.editor.document
        self.block_id, self.node_id = block_id, node_id
        self.param_editors = {}
        page = QWidget()
        page.setMinimumWidth(1)  # squeeze the fields to the dock's width instead of clipping them
        layout = QVBoxLayout(page)
        layout.setContentsMargins(10, 8, 10, 8)
        node = document.blocks.get(block_id, gdoc.BlockDef("", "")).nodes.get(node_id) if node_id else None
        if node is None:
            self.node_id = None
            hint = QLabel(tr("Select a node to see its parameters."))
            hint.setObjectName("muted")
            hint.setWordWrap(True)
            layout.addWidget(hint)
            total = document.total_params() if hasattr(document, "total_params") else None
            if total is not None:
                layout.addWidget(QLabel(tr("Model parameters: {}").format(f"{total:,}")))
            layout.addStretch(1)
            self.setWidget(page)
            return
        title = QLabel(f"{document.type_name(node)}  “{node.label or node.id}”")
        title.setObjectName("inspectorTitle")
        layout.addWidget(title)
        form = QFormLayout()
        form.setContentsMargins(0, 4, 0, 4)
        label_edit = QLineEdit(node.label)
        label_edit.setObjectName("labelEdit")
        label_edit.editingFinished.connect(lambda: self._set_label(label_edit.text()))
        form.addRow(tr("label"), label_edit)
        from app.graph.catalogue import node_type

        entry = node_type(node.type)
        advanced_form = QFormLayout()
        advanced_count = 0
        for spec in (entry.params if entry is not None else ()):
            target = form
            if spec.kind in ADVANCED_KINDS or spec.name in ADVANCED_NAMES:
                target, advanced_count = advanced_form, advanced_count + 1
            if spec.kind == "code":
                button = QPushButton(tr("Edit code…"))
                button.clicked.connect(lambda: self.edit_code.emit(self.node_id))
                target.addRow(tr("source"), button)
                continue
            editor = make_param_widget(spec, node.params.get(spec.name, spec.default))
            editor.setObjectName(f"param_{spec.name}")
            editor.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            editor.setMinimumWidth(70)
            editor.setToolTip(spec.doc or spec.name)
            editor.value_committed.connect(lambda value, name=spec.name: self._set_param(name, value))
            self.param_editors[spec.name] = editor
            target.addRow(spec.name, editor)
        layout.addLayout(form)
        if advanced_count:
            toggle = QToolButton()
            toggle.setText(tr("Advanced ({})").format(advanced_count))
            toggle.setCheckable(True)
            toggle.setChecked(self.show_advanced)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setArrowType(Qt.ArrowType.DownArrow if self.show_advanced else Qt.ArrowType.RightArrow)
            advanced = QWidget()
            advanced.setLayout(advanced_form)
            advanced_form.setContentsMargins(0, 0, 0, 0)
            advanced.setVisible(self.show_advanced)

            def flip(on, box=advanced, button=toggle):
                self.show_advanced = on
                box.setVisible(on)
                button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

            toggle.toggled.connect(flip)
            layout.addWidget(toggle)
            layout.addWidget(advanced)
        if node.type == gdoc.BLOCK and node.block in document.blocks:
            self._block_section(layout, node)
        count = document.param_count(block_id, node.id)
        params = QLabel(tr("Parameters: {}").format(tr("unknown") if count is None else f"{count:,}"))
        params.setObjectName("muted")
        layout.addWidget(params)
        for problem in document.problems(block_id, node.id):
            warning = QLabel("⚠ " + problem.message)
            warning.setWordWrap(True)
            warning.setStyleSheet("color: #e5484d;")
            layout.addWidget(warning)
        layout.addStretch(1)
        self.setWidget(page)

    def _block_section(self, layout, node) -> None:
        document = self.editor.document
        definition = document.blocks[node.block]
        name_edit = QLineEdit(definition.name)
        name_edit.setObjectName("blockNameEdit")
        name_edit.editingFinished.connect(lambda: self._rename_block(node.block, name_edit.text()))
        form = QFormLayout()
        form.addRow(tr("block class"), name_edit)
        shared = QCheckBox(tr("share weights"))
        shared.setToolTip(tr("share weights with other instances"))
        shared.setChecked(node.shared_weights)
        shared.toggled.connect(lambda on: self._run(ops.SetSharedWeights(self.block_id, node.id, on)))
        form.addRow("", shared)
        layout.addLayout(form)
        for text, signal in ((tr("Enter block"), self.enter_block), (tr("Unpack"), self.unpack_block),
                             (tr("Duplicate as new definition"), self.duplicate_block)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, s=signal: s.emit(self.node_id if s is not self.enter_block
                                                                    else node.block))
            layout.addWidget(button)

    def _run(self, operation) -> None:
        self._updating = True
        try:
            self.editor.execute(operation)
        finally:
            self._updating = False
        self.show_node(self.block_id, self.node_id)

    def _set_param(self, name: str, value) -> None:
        node = self.editor.document.blocks[self.block_id].nodes.get(self.node_id)
        if node is None or node.params.get(name) == value:
            return
        self._run(ops.SetParams(self.block_id, self.node_id, {name: value}))

    def _set_label(self, text: str) -> None:
        node = self.editor.document.blocks[self.block_id].nodes.get(self.node_id)
        if node is None or node.label == text or not text.strip():
            return
        self._run(ops.SetLabel(self.block_id, self.node_id, text.strip()))

    def _rename_block(self, block_ref: str, name: str) -> None:
        if self.editor.document.blocks[block_ref].name != name:
            self._run(ops.RenameBlock(block_ref, name))
