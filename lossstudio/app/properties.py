"""The property panel: editors for the selected block's parameters (app layer).

Editors are generated from the block's parameter specs. Every change is one edit
through the project (and so one undo step; a spin-box drag is merged into one). The
panel mirrors graph events, so undo and scripts refresh it. For the Target block it
holds the loss selector and the target feature.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from lossstudio.app.loss_selector import LossSelector
from lossstudio.app.param_editors import ParamEditor, make_editor
from lossstudio.core.blocks import BLOCKS, ActivationRole
from lossstudio.core.graph import GraphEvent, NodeRemoved, ParamsChanged
from lossstudio.core.shapes import show
from lossstudio.core.validator import Analysis, Severity, effective_activation

if TYPE_CHECKING:
    from lossstudio.app.document import Document
    from lossstudio.app.loss_explorer import LossExplorer


def _label(text: str, object_name: str = "", muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    if object_name:
        label.setObjectName(object_name)
    if muted:
        label.setStyleSheet("color: #66717f;")
    return label


class PropertyPanel(QScrollArea):
    """Shows the parameters of the selected block (or a model overview)."""

    message_posted = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.node_id: str | None = None
        self.selection: list[str] = []
        self.editors: dict[str, ParamEditor] = {}
        self.loss_selector: LossSelector | None = None
        self.loss_explorer: LossExplorer | None = None
        self.problems_label: QLabel | None = None
        self.shape_label: QLabel | None = None
        self.setMinimumWidth(280)
        self.show_selection([])

    # --- pages -------------------------------------------------------------------
    def show_selection(self, node_ids: list[str]) -> None:
        """Show the one selected block, or an overview for none/several."""
        graph = self.document.project.graph
        node_ids = [node_id for node_id in node_ids if node_id in graph.nodes]
        if len(node_ids) == 1 and node_ids[0] == self.node_id and node_ids == self.selection:
            return
        self.selection = node_ids
        if len(node_ids) == 1:
            self._show_block(node_ids[0])
        else:
            self._show_overview(node_ids)
        self.refresh_status()

    def _new_page(self) -> QVBoxLayout:
        self.document.bridge.seal()
        self.editors = {}
        self.loss_selector = None
        self.loss_explorer = None
        self.problems_label = None
        self.shape_label = None
        page = QWidget()
        page.setObjectName("property_page")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        self.setWidget(page)
        return layout

    def _show_overview(self, node_ids: list[str]) -> None:
        self.node_id = None
        layout = self._new_page()
        project = self.document.project
        if node_ids:
            layout.addWidget(_label(f"<h3>{len(node_ids)} blocks selected</h3>"))
            layout.addWidget(_label(escape(", ".join(node_ids)), muted=True))
            layout.addWidget(_label("Move, copy or delete them together; select one block "
                                    "to edit its parameters.", muted=True))
        else:
            graph = project.graph
            layout.addWidget(_label(f"<h3>{escape(self.document.display_name)}</h3>"))
            layout.addWidget(_label(f"{len(graph.nodes)} blocks, {len(graph.links)} links"))
            dataset = project.dataset.path if project.dataset else "none attached"
            layout.addWidget(_label(f"Dataset: {escape(str(dataset))}", muted=True))
            layout.addWidget(_label(
                "Drag blocks from the palette onto the canvas, then drag from an output "
                "port to an input port to connect them. Select a block to edit it; the "
                "Target block is where the loss is chosen.", muted=True))
        layout.addStretch(1)

    def _show_block(self, node_id: str) -> None:
        self.node_id = node_id
        layout = self._new_page()
        node = self.document.project.graph.nodes[node_id]
        spec = BLOCKS[node.type]
        layout.addWidget(_label(f"<h3 style='margin:0'>{escape(spec.label)}</h3>",
                                "block_title"))
        layout.addWidget(_label(f"{escape(node_id)} · {escape(spec.category)}", muted=True))
        layout.addWidget(_label(escape(spec.description), muted=True))
        self.problems_label = _label("", "block_problems")
        self.problems_label.setVisible(False)
        layout.addWidget(self.problems_label)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        facts = self.document.project.facts
        for param in spec.params:
            if node.type == "target" and param.name == "loss":
                selector = LossSelector(self)
                selector.loss_chosen.connect(lambda loss: self._edit("loss", loss, False))
                selector.fix_requested.connect(self._fix_activation)
                self.loss_selector = selector
                form.addRow(_label("<b>Loss</b>"))
                form.addRow(selector)
                from lossstudio.app.loss_explorer import LossExplorer

                self.loss_explorer = LossExplorer(self, compact=True)
                self.loss_explorer.setObjectName("loss_explorer")
                form.addRow(self.loss_explorer)
                continue
            editor = make_editor(param, facts)
            editor.setObjectName(f"editor_{param.name}")
            editor.set_value(node.params[param.name])
            editor.edited.connect(
                lambda value, mergeable, name=param.name: self._edit(name, value, mergeable))
            editor.finished.connect(self.document.bridge.seal)
            self.editors[param.name] = editor
            form.addRow(param.title, editor)
        if spec.has_output:
            self.shape_label = _label("", "output_shape")
            form.addRow("Output shape", self.shape_label)
        layout.addStretch(1)

    # --- edits -------------------------------------------------------------------
    def _edit(self, name: str, value: Any, mergeable: bool) -> None:
        node_id = self.node_id
        if node_id is None:
            return
        project, bridge = self.document.project, self.document.bridge
        try:
            if mergeable:
                with bridge.mergeable():
                    project.set(node_id, **{name: value})
            else:
                project.set(node_id, **{name: value})
                bridge.seal()
        except ValueError as error:
            self.message_posted.emit(str(error))
            self._refresh_editors((name,))

    def _fix_activation(self, node_id: str, activation: str) -> None:
        try:
            self.document.project.set(node_id, activation=activation)
        except ValueError as error:
            self.message_posted.emit(str(error))
            return
        self.document.bridge.seal()
        self.message_posted.emit(f"Set the activation of {node_id} to {activation}")

    # --- mirroring ---------------------------------------------------------------
    def on_graph_event(self, event: GraphEvent) -> None:
        """Refresh editors when the shown block changes (undo, scripts)."""
        if isinstance(event, ParamsChanged) and event.node_id == self.node_id:
            self._refresh_editors(event.names)
        elif isinstance(event, NodeRemoved) and event.node_id in self.selection:
            self.show_selection([n for n in self.selection if n != event.node_id])

    def _refresh_editors(self, names: tuple[str, ...]) -> None:
        graph = self.document.project.graph
        if self.node_id not in graph.nodes:
            return
        params = graph.nodes[self.node_id].params
        for name in names:
            editor = self.editors.get(name)
            if editor is not None:
                editor.set_value(params[name])

    def reload(self, *_: object) -> None:
        """Rebuild the editors (the dataset's features became known)."""
        selection, self.node_id, self.selection = self.selection, None, []
        self.show_selection(selection)

    def on_project_replaced(self) -> None:
        """A new project: start from its overview."""
        self.node_id = None
        self.selection = []
        self._show_overview([])

    def refresh_status(self, analysis: Analysis | None = None) -> None:
        """Show the shown block's problems, output shape and loss fit."""
        node_id = self.node_id
        graph = self.document.project.graph
        if node_id is None or node_id not in graph.nodes:
            return
        analysis = analysis or self.document.validation.analysis
        if analysis is not None:
            self._show_problems(analysis, node_id)
        if self.loss_selector is not None:
            self._show_loss(node_id)

    def _show_problems(self, analysis: Analysis, node_id: str) -> None:
        problems = analysis.for_node(node_id)
        if self.problems_label is not None:
            rows = []
            for problem in problems:
                error = problem.severity is Severity.ERROR
                colour = "#d32f2f" if error else "#b26a00"
                word = "Error" if error else "Warning"
                rows.append(f"<span style='color:{colour}'><b>{word}:</b> "
                            f"{escape(problem.message)}</span>")
            self.problems_label.setText("<br>".join(rows))
            self.problems_label.setVisible(bool(rows))
            worst = any(p.severity is Severity.ERROR for p in problems)
            self.problems_label.setStyleSheet(
                "QLabel { background: %s; border-radius: 4px; padding: 6px; }"
                % ("#fdecea" if worst else "#fff4e0"))
        if self.shape_label is not None:
            shape = analysis.shapes.get(node_id)
            self.shape_label.setText(show(shape) if shape is not None else "unknown yet")

    def _show_loss(self, node_id: str) -> None:
        assert self.loss_selector is not None
        graph = self.document.project.graph
        node = graph.nodes[node_id]
        link = graph.input_links(node_id).get(0)
        activation = owner = None
        owner_has_activation = False
        if link is not None and link.source in graph.nodes:
            activation, owner = effective_activation(graph, link.source)
            owner_node = graph.nodes[owner]
            owner_has_activation = (BLOCKS[owner_node.type].activation_role
                                    is ActivationRole.OWN)
        self.loss_selector.set_state(node.params["loss"], activation, owner,
                                     owner_has_activation)
        if self.loss_explorer is not None:
            self.loss_explorer.set_loss(node.params["loss"])
            self.loss_explorer.set_activation(activation.id if activation else None)
