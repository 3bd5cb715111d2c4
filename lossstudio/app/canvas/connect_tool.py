"""The connect gesture: drag from a port to another port (app layer, canvas).

Pressing an output port starts a rubber-band line; input ports that could accept it
are highlighted (free, and no cycle). Dropping it on a port — or on a block, which
picks its first free input — asks the graph (``check_connect``) and makes one
``Connect`` edit; a refusal (cycle, occupied port) is reported and changes nothing.
Dragging from a free input works backwards; dragging from a connected input picks
its link up, to move it to another input or, dropped on empty canvas, to delete it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsScene

from lossstudio.app.canvas.block_item import BlockItem, PortHighlight, PortItem, PortKind
from lossstudio.app.canvas.link_item import DragLinkItem, LinkItem
from lossstudio.core.edits import Composite, Connect, Disconnect
from lossstudio.core.errors import GraphError
from lossstudio.core.graph import Graph, Link

if TYPE_CHECKING:
    from lossstudio.project import Project

SNAP_RADIUS = 16.0


def ancestors(graph: Graph, node_id: str) -> set[str]:
    """``node_id`` and every block that leads to it."""
    seen, stack = {node_id}, [node_id]
    while stack:
        for source in graph.predecessors(stack.pop()):
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return seen


def descendants(graph: Graph, node_id: str) -> set[str]:
    """``node_id`` and every block it leads to."""
    seen, stack = {node_id}, [node_id]
    while stack:
        for target in graph.successors(stack.pop()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


class ConnectTool:
    """State of one connect gesture on a scene."""

    def __init__(self, scene: QGraphicsScene, project: Callable[[], Project],
                 post: Callable[[str], None]) -> None:
        self.scene = scene
        self.project = project
        self.post = post
        self.anchor: PortItem | None = None
        self.picked: LinkItem | None = None
        self.rubber: DragLinkItem | None = None
        self.candidates: list[PortItem] = []
        self.hovered: PortItem | None = None

    @property
    def active(self) -> bool:
        """True while a link is being dragged."""
        return self.rubber is not None

    def begin(self, port: PortItem, pos: QPointF) -> None:
        """Start dragging from ``port``."""
        self.cancel()
        graph = self.project().graph
        self.picked = None
        if port.kind is PortKind.INPUT and port.connected:
            link = graph.input_links(port.block.node_id).get(port.index)
            picked = self._link_item(link.id) if link is not None else None
            if picked is not None:
                self.picked = picked
                picked.setVisible(False)
                port = picked.source.output_port or port
        self.anchor = port
        self.rubber = DragLinkItem(port.anchor(), port.kind is PortKind.OUTPUT)
        self.scene.addItem(self.rubber)
        self.candidates = self._candidates(graph, port)
        for candidate in self.candidates:
            candidate.set_highlight(PortHighlight.CANDIDATE)
        self.drag_to(pos)

    def _link_item(self, link_id: str) -> LinkItem | None:
        finder = getattr(self.scene, "link_item_for", None)
        return finder(link_id) if finder is not None else None

    def _candidates(self, graph: Graph, anchor: PortItem) -> list[PortItem]:
        blocks = [item for item in self.scene.items() if isinstance(item, BlockItem)]
        node_id = anchor.block.node_id
        if anchor.kind is PortKind.OUTPUT:
            blocked = ancestors(graph, node_id)
            free: list[PortItem] = []
            for block in blocks:
                if block.node_id in blocked:
                    continue
                taken = graph.input_links(block.node_id)
                free.extend(port for port in block.input_ports
                            if port.index not in taken or self._is_picked(block, port))
            return free
        blocked = descendants(graph, node_id)
        return [block.output_port for block in blocks
                if block.output_port is not None and block.node_id not in blocked]

    def _is_picked(self, block: BlockItem, port: PortItem) -> bool:
        picked = self.picked
        return picked is not None and picked.target is block and picked.port == port.index

    def drag_to(self, pos: QPointF) -> None:
        """Follow the mouse; highlight the port it would drop on."""
        if self.rubber is None:
            return
        port = self._port_at(pos)
        if port is not self.hovered:
            if self.hovered is not None:
                self.hovered.set_highlight(
                    PortHighlight.CANDIDATE if self.hovered in self.candidates
                    else PortHighlight.NONE)
            self.hovered = port if port is not None and port in self.candidates else None
            if self.hovered is not None:
                self.hovered.set_highlight(PortHighlight.HOVER)
        self.rubber.follow(self.hovered.anchor() if self.hovered is not None else pos)

    def _port_at(self, pos: QPointF) -> PortItem | None:
        assert self.anchor is not None
        want = PortKind.INPUT if self.anchor.kind is PortKind.OUTPUT else PortKind.OUTPUT
        area = QRectF(pos.x() - SNAP_RADIUS, pos.y() - SNAP_RADIUS, 2 * SNAP_RADIUS,
                      2 * SNAP_RADIUS)
        ports = [item for item in self.scene.items(area)
                 if isinstance(item, PortItem) and item.kind is want]
        if not ports:
            return None

        def distance(port: PortItem) -> float:
            delta = port.anchor() - pos
            return delta.x() ** 2 + delta.y() ** 2

        return min(ports, key=distance)

    def _block_at(self, pos: QPointF) -> BlockItem | None:
        for item in self.scene.items(pos):
            if isinstance(item, BlockItem):
                return item
        return None

    def finish(self, pos: QPointF) -> None:
        """Drop the link at ``pos``: connect, refuse with a reason, or cancel."""
        if self.anchor is None:
            return
        anchor, picked = self.anchor, self.picked
        port = self._port_at(pos)
        block = self._block_at(pos) if port is None else None
        self.cancel()
        try:
            if anchor.kind is PortKind.OUTPUT:
                self._drop_from_output(anchor, port, block, picked)
            else:
                self._drop_from_input(anchor, port, block)
        except GraphError as error:
            self.post(f"Cannot connect: {error}")

    def _drop_from_output(self, anchor: PortItem, port: PortItem | None,
                          block: BlockItem | None, picked: LinkItem | None) -> None:
        project = self.project()
        source = anchor.block.node_id
        if port is None and block is not None and block is not anchor.block:
            port = self._first_free_input(block, picked)
        if port is None:
            if picked is not None:
                project.disconnect(picked.link_id)
                self.post(f"Removed the link {picked.link.source} → {picked.link.target}")
            return
        target = port.block.node_id
        if picked is not None:
            if picked.target is port.block and picked.port == port.index:
                return
            project.graph.check_connect(source, target, port.index)
            link = Link(project.graph.new_id("link"), source, target, port.index)
            project.apply(Composite([Disconnect(picked.link), Connect(link)], "Move link"))
            return
        project.connect(source, target, port.index)
        self.post(f"Connected {source} → {target}")

    def _first_free_input(self, block: BlockItem, picked: LinkItem | None) -> PortItem:
        taken = self.project().graph.input_links(block.node_id)
        for port in block.input_ports:
            if port.index not in taken or self._is_picked_port(picked, block, port):
                return port
        if not block.input_ports:
            raise GraphError(f"{block.spec.label} block {block.node_id!r} has no input")
        raise GraphError(
            f"every input of {block.node_id!r} is already connected; remove a link first")

    @staticmethod
    def _is_picked_port(picked: LinkItem | None, block: BlockItem, port: PortItem) -> bool:
        return picked is not None and picked.target is block and picked.port == port.index

    def _drop_from_input(self, anchor: PortItem, port: PortItem | None,
                         block: BlockItem | None) -> None:
        if port is None and block is not None and block is not anchor.block:
            port = block.output_port
            if port is None:
                raise GraphError(f"{block.spec.label} block {block.node_id!r} has no output")
        if port is None:
            return
        source, target = port.block.node_id, anchor.block.node_id
        self.project().connect(source, target, anchor.index)
        self.post(f"Connected {source} → {target}")

    def cancel(self) -> None:
        """End the gesture without an edit."""
        for candidate in self.candidates:
            candidate.set_highlight(PortHighlight.NONE)
        self.candidates = []
        self.hovered = None
        if self.rubber is not None:
            self.scene.removeItem(self.rubber)
            self.rubber = None
        if self.picked is not None and self.picked.scene() is self.scene:
            self.picked.setVisible(True)
        self.picked = None
        self.anchor = None
