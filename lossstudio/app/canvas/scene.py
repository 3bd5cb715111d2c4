"""The canvas scene: a mirror of the project's graph (app layer, canvas).

The scene adds, removes and updates items only in response to graph events, and
draws the validator's report onto them; it never mutates the graph. The user's
gestures become edits through the project (and so through the undo stack): a block
drag is one ``MoveNode`` edit — several blocks, one ``Composite`` — made on release.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from lossstudio.app.canvas import style
from lossstudio.app.canvas.block_item import BlockItem, BlockState
from lossstudio.app.canvas.connect_tool import ConnectTool
from lossstudio.app.canvas.link_item import LinkItem
from lossstudio.core.edits import Composite, Disconnect, Edit, MoveNode, RemoveNode
from lossstudio.core.graph import (
    Graph,
    GraphEvent,
    LinkAdded,
    LinkRemoved,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    ParamsChanged,
)
from lossstudio.core.shapes import show
from lossstudio.core.validator import Analysis, Problem, Severity

if TYPE_CHECKING:
    from lossstudio.project import Project


def state_of(problems: Iterable[Problem]) -> BlockState:
    """The worst severity among ``problems`` as a drawing state."""
    state = BlockState.OK
    for problem in problems:
        if problem.severity is Severity.ERROR:
            return BlockState.ERROR
        state = BlockState.WARNING
    return state


class CanvasScene(QGraphicsScene):
    """Items for the blocks and links of one graph, kept in step with its events."""

    message_posted = Signal(str)
    """A sentence for the status bar (e.g. why a link was refused)."""
    layout_changed = Signal()
    """Blocks were added, removed or moved (the view may grow its scene rect)."""

    def __init__(self, project: Callable[[], Project], parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.project = project
        self.blocks: dict[str, BlockItem] = {}
        self.links: dict[str, LinkItem] = {}
        self.analysis: Analysis | None = None
        self.connect_tool = ConnectTool(self, project, self.message_posted.emit)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)

    # --- mirroring ---------------------------------------------------------------
    def rebuild(self, graph: Graph) -> None:
        """Drop every item and draw ``graph`` afresh (a project was opened)."""
        self.connect_tool.cancel()
        self.clear()
        self.blocks.clear()
        self.links.clear()
        self.analysis = None
        for node_id in graph.nodes:
            self._add_block(graph, node_id)
        for link in graph.links.values():
            self._add_link(link.id, graph)
        self.layout_changed.emit()

    def on_graph_event(self, event: GraphEvent) -> None:
        """Mirror one graph event."""
        graph = self.project().graph
        if self.connect_tool.active and not isinstance(event, (ParamsChanged, NodeMoved)):
            self.connect_tool.cancel()  # the ports it highlighted may no longer fit
        if isinstance(event, NodeAdded):
            self._add_block(graph, event.node_id)
            self.layout_changed.emit()
        elif isinstance(event, NodeRemoved):
            item = self.blocks.pop(event.node_id, None)
            if item is not None:
                self.removeItem(item)
            self.layout_changed.emit()
        elif isinstance(event, LinkAdded):
            self._add_link(event.link.id, graph)
        elif isinstance(event, LinkRemoved):
            self._remove_link(event.link.id)
        elif isinstance(event, ParamsChanged):
            block = self.blocks.get(event.node_id)
            if block is not None:
                block.set_params(graph.nodes[event.node_id].params)
        elif isinstance(event, NodeMoved):
            block = self.blocks.get(event.node_id)
            if block is not None and (block.pos().x(), block.pos().y()) != event.position:
                block.setPos(QPointF(*event.position))
                block.follow_links()
            self.layout_changed.emit()

    def _add_block(self, graph: Graph, node_id: str) -> None:
        item = BlockItem(graph.nodes[node_id])
        self.blocks[node_id] = item
        self.addItem(item)

    def _add_link(self, link_id: str, graph: Graph) -> None:
        link = graph.links[link_id]
        source, target = self.blocks.get(link.source), self.blocks.get(link.target)
        if source is None or target is None:
            return
        item = LinkItem(link, source, target)
        self.links[link_id] = item
        self.addItem(item)
        port = target.port_at_input(link.port)
        if port is not None:
            port.set_connected(True)

    def _remove_link(self, link_id: str) -> None:
        item = self.links.pop(link_id, None)
        if item is None:
            return
        item.detach()
        port = item.target.port_at_input(item.port)
        if port is not None:
            port.set_connected(False)
        self.removeItem(item)

    def item_for(self, node_id: str) -> BlockItem:
        """The item drawn for block ``node_id``."""
        return self.blocks[node_id]

    def link_item_for(self, link_id: str) -> LinkItem | None:
        """The item drawn for link ``link_id``, if any."""
        return self.links.get(link_id)

    # --- validation --------------------------------------------------------------
    def apply_analysis(self, analysis: Analysis) -> int:
        """Draw the validator's report; returns how many items changed."""
        self.analysis = analysis
        by_node: dict[str, list[Problem]] = {}
        for problem in analysis.problems:
            if problem.node_id is not None:
                by_node.setdefault(problem.node_id, []).append(problem)
        changed = 0
        for node_id, item in self.blocks.items():
            problems = tuple(by_node.get(node_id, ()))
            shape = analysis.shapes.get(node_id)
            text = "→ " + (show(shape) if shape is not None else "?")
            changed += item.apply_status(state_of(problems), problems, text)
        return changed

    # --- selection ---------------------------------------------------------------
    def selected_block_ids(self) -> list[str]:
        """Ids of the selected blocks, in graph order."""
        graph = self.project().graph
        chosen = {item.node_id for item in self.selectedItems() if isinstance(item, BlockItem)}
        return [node_id for node_id in graph.nodes if node_id in chosen]

    def selected_link_ids(self) -> list[str]:
        """Ids of the selected links."""
        return [item.link_id for item in self.selectedItems() if isinstance(item, LinkItem)]

    def select_blocks(self, node_ids: Iterable[str]) -> None:
        """Select exactly these blocks."""
        wanted = set(node_ids)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for node_id in wanted:
                item = self.blocks.get(node_id)
                if item is not None:
                    item.setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def select_all(self) -> None:
        """Select every block and link."""
        self.blockSignals(True)
        try:
            for item in [*self.blocks.values(), *self.links.values()]:
                item.setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def blocks_rect(self) -> QRectF:
        """The bounding rectangle of the blocks (empty when there are none)."""
        if not self.blocks:
            return QRectF()
        items = self.blocks.values()
        xs = [item.x() for item in items]
        ys = [item.y() for item in items]
        bottom = max(item.y() + item.height for item in items)
        bounds = next(iter(items)).boundingRect()
        rect = QRectF(min(xs), min(ys), max(xs) - min(xs) + style.BLOCK_WIDTH,
                      bottom - min(ys))
        return rect.adjusted(bounds.left(), bounds.top(), bounds.right() - style.BLOCK_WIDTH,
                             0)

    # --- gestures ----------------------------------------------------------------
    def delete_selection(self) -> None:
        """Delete the selected blocks and links as one undo step."""
        node_ids = self.selected_block_ids()
        graph = self.project().graph
        gone = set(node_ids)
        edits: list[Edit] = [
            Disconnect(graph.links[link_id]) for link_id in self.selected_link_ids()
            if link_id in graph.links
            and not {graph.links[link_id].source, graph.links[link_id].target} & gone
        ]
        edits.extend(RemoveNode(node_id) for node_id in node_ids)
        if not edits:
            return
        what = f"{len(node_ids)} block(s)" if node_ids else f"{len(edits)} link(s)"
        self.project().apply(edits[0] if len(edits) == 1 else Composite(edits, f"Delete {what}"))
        self.message_posted.emit(f"Deleted {what}")

    def commit_moves(self) -> None:
        """Turn the blocks the user dragged into one move edit."""
        graph = self.project().graph
        moves: list[Edit] = []
        for node_id, item in self.blocks.items():
            node = graph.nodes.get(node_id)
            new = (item.pos().x(), item.pos().y())
            if node is not None and new != node.position:
                moves.append(MoveNode(node_id, new, node.position))
        if moves:
            self.project().apply(
                moves[0] if len(moves) == 1 else Composite(moves, f"Move {len(moves)} blocks"))

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() is Qt.MouseButton.LeftButton and not self.connect_tool.active:
            self.commit_moves()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.connect_tool.active:
            self.connect_tool.cancel()
            event.accept()
            return
        super().keyPressEvent(event)
