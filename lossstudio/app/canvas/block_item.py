"""The graphics item of a block and its ports (app layer, canvas).

A ``BlockItem`` draws what the scene tells it: title, key parameters, inferred output
shape and validation state (red outline and badge for an error, amber for a warning).
It never touches the model; the scene mirrors graph events into it and turns the
user's gestures on it into edits. Ports are child items for hit-testing only: the
block paints them, so a canvas of hundreds of blocks makes few Python paint calls.
"""

from __future__ import annotations

from enum import StrEnum
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from lossstudio.app.canvas import style
from lossstudio.core.blocks import BLOCKS, summary
from lossstudio.core.graph import Node
from lossstudio.core.validator import Problem, Severity

if TYPE_CHECKING:
    from lossstudio.app.canvas.link_item import LinkItem


class BlockState(StrEnum):
    """The validation state a block is drawn in."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


class PortKind(StrEnum):
    """Which side of a block a port is on."""

    INPUT = "input"
    OUTPUT = "output"


class PortHighlight(StrEnum):
    """How a port is drawn while a link is being dragged."""

    NONE = "none"
    CANDIDATE = "candidate"
    HOVER = "hover"


_PORT_HIT = style.PORT_RADIUS + 3
_PORT_RECT = QRectF(-_PORT_HIT, -_PORT_HIT, 2 * _PORT_HIT, 2 * _PORT_HIT)
_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
_LEFT = Qt.MouseButton.LeftButton


def _cosmetic(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)  # device pixels, whatever the zoom
    return pen


_FAR_BORDER = _cosmetic(style.BLOCK_BORDER, 1.0)
_FAR_SELECTED = _cosmetic(style.SELECTION, 3.0)
_FAR_ERROR = _cosmetic(style.ERROR, 3.0)
_FAR_WARNING = _cosmetic(style.WARNING, 3.0)


class PortItem(QGraphicsItem):
    """An input or output port (drawn by its block); pressing it starts a connection."""

    def __init__(self, block: BlockItem, kind: PortKind, index: int) -> None:
        super().__init__(block)
        self.block = block
        self.kind = kind
        self.index = index
        self.connected = False
        self.highlight = PortHighlight.NONE
        self.setFlag(_NO_CONTENTS)
        self.setCursor(Qt.CursorShape.CrossCursor)
        path = QPainterPath()
        path.addEllipse(_PORT_RECT)
        self._shape = path

    def boundingRect(self) -> QRectF:
        return _PORT_RECT

    def shape(self) -> QPainterPath:
        return self._shape

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        """Nothing: the block draws its ports."""

    def set_highlight(self, highlight: PortHighlight) -> None:
        """Draw as a candidate/hovered target of the link being dragged."""
        if highlight is not self.highlight:
            self.highlight = highlight
            self.block.update()

    def set_connected(self, connected: bool) -> None:
        """Fill the port when a link uses it."""
        if connected != self.connected:
            self.connected = connected
            self.block.update()

    def anchor(self) -> QPointF:
        """Where links attach, in scene coordinates."""
        return self.scenePos()

    def draw(self, painter: QPainter) -> None:
        """Paint the port (called by the block, in block coordinates)."""
        radius = style.PORT_RADIUS
        fill = style.PORT_CONNECTED if self.connected else style.PORT_FILL
        border = style.PORT_BORDER
        if self.highlight is PortHighlight.CANDIDATE:
            fill, border, radius = style.PORT_CANDIDATE, style.PORT_CANDIDATE, radius + 1.5
        elif self.highlight is PortHighlight.HOVER:
            fill, border, radius = style.PORT_HOVER, style.PORT_HOVER, radius + 2.5
        painter.setPen(QPen(border, 1.5))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(self.pos(), radius, radius)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        tool = getattr(self.scene(), "connect_tool", None)
        if event.button() == _LEFT and tool is not None:
            tool.begin(self, event.scenePos())
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        tool = getattr(self.scene(), "connect_tool", None)
        if tool is not None:
            tool.drag_to(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        tool = getattr(self.scene(), "connect_tool", None)
        if tool is not None:
            tool.finish(event.scenePos())


class BlockItem(QGraphicsItem):
    """One block on the canvas, placed at its node's position (top-left corner)."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node_id = node.id
        self.type_id = node.type
        self.spec = BLOCKS[node.type]
        self.colour = style.category_colour(self.spec.category)
        self.state = BlockState.OK
        self.problems: tuple[Problem, ...] = ()
        self.shape_text = "→ ?"
        self.summary = ""
        self.height = style.BLOCK_HEIGHT
        self.links: set[LinkItem] = set()
        self.input_ports: list[PortItem] = []
        self.output_port: PortItem | None = None
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(2)
        if self.spec.has_output:
            self.output_port = PortItem(self, PortKind.OUTPUT, 0)
        self.setPos(QPointF(*node.position))
        self._geometry()
        self._set_input_count(self.spec.input_count(node.params))
        self.set_params(node.params)

    def _geometry(self) -> None:
        """Cache the rectangles and paths that only change with the height."""
        self._body = QRectF(0.0, 0.0, style.BLOCK_WIDTH, self.height)
        margin, badge = style.HALO + 1, style.BADGE_RADIUS
        self._bounds = self._body.adjusted(-margin - _PORT_HIT, -badge - 1,
                                           margin + badge / 2 + _PORT_HIT, margin)
        radius = style.CORNER_RADIUS
        body = QPainterPath()
        body.addRoundedRect(self._body, radius, radius)
        self._shape = body
        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, style.BLOCK_WIDTH, style.HEADER_HEIGHT + radius),
                              radius, radius)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, style.BLOCK_WIDTH, style.HEADER_HEIGHT))
        self._header = header.intersected(clip)

    # --- what the scene tells it -------------------------------------------------
    def set_params(self, params: dict[str, Any]) -> None:
        """Show new parameters: summary text and the number of input ports."""
        self.summary = summary(self.type_id, params)
        if not self.summary and self.spec.variadic:
            self.summary = f"{self.spec.input_count(params)} inputs"
        self.summary = self.summary or self.spec.description
        count = self.spec.input_count(params)
        if count != len(self.input_ports):
            self._set_input_count(count)
        self._refresh_tooltip()
        self.update()

    def _set_input_count(self, count: int) -> None:
        height = max(style.BLOCK_HEIGHT, style.HEADER_HEIGHT + count * style.PORT_SPACING + 8)
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
            self._geometry()
        scene = self.scene()
        while len(self.input_ports) > count:
            port = self.input_ports.pop()
            if scene is not None:
                scene.removeItem(port)
            port.setParentItem(None)  # type: ignore[arg-type]
        while len(self.input_ports) < count:
            self.input_ports.append(PortItem(self, PortKind.INPUT, len(self.input_ports)))
        body = self.height - style.HEADER_HEIGHT
        for index, port in enumerate(self.input_ports):
            port.setPos(0.0, style.HEADER_HEIGHT + body * (index + 1) / (count + 1))
        if self.output_port is not None:
            self.output_port.setPos(style.BLOCK_WIDTH, style.HEADER_HEIGHT + body / 2)
        self.follow_links()

    def follow_links(self) -> None:
        """Re-route the links attached to this block (it moved or changed shape)."""
        for link in self.links:
            link.update_path()

    def apply_status(self, state: BlockState, problems: tuple[Problem, ...],
                     shape_text: str) -> bool:
        """Show the validator's verdict; returns True when anything changed."""
        if (state, problems, shape_text) == (self.state, self.problems, self.shape_text):
            return False
        tooltip = problems != self.problems
        self.state, self.problems, self.shape_text = state, problems, shape_text
        if tooltip:
            self._refresh_tooltip()
        self.update()
        return True

    def _refresh_tooltip(self) -> None:
        lines = [f"<b>{escape(self.spec.label)}</b> <i>{escape(self.node_id)}</i>",
                 escape(self.spec.description)]
        for problem in self.problems:
            colour = style.ERROR if problem.severity is Severity.ERROR else style.WARNING
            word = "Error" if problem.severity is Severity.ERROR else "Warning"
            lines.append(
                f"<span style='color:{colour.name()}'><b>{word}:</b></span> "
                f"{escape(problem.message)}"
            )
        self.setToolTip("<br>".join(lines))

    def port_at_input(self, index: int) -> PortItem | None:
        """Input port number ``index`` (0-based), if it exists."""
        return self.input_ports[index] if 0 <= index < len(self.input_ports) else None

    def body_rect(self) -> QRectF:
        """The block's rectangle in item coordinates (without halo and badge)."""
        return QRectF(self._body)

    # --- Qt virtuals -------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseMoveEvent(event)
        scene = self.scene()
        for item in scene.selectedItems() if scene is not None else ():
            if isinstance(item, BlockItem):
                item.follow_links()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        detail = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = self._body
        if detail < style.TEXT_DETAIL:
            self._paint_overview(painter, rect)
            return
        radius = style.CORNER_RADIUS
        if self.isSelected():
            painter.setPen(QPen(style.SELECTION, 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-3, -3, 3, 3), radius + 3, radius + 3)
        painter.setPen(QPen(style.BLOCK_BORDER, 1.0))
        painter.setBrush(style.BLOCK_FILL)
        painter.drawPath(self._shape)
        painter.fillPath(self._header, self.colour)
        self._paint_text(painter, rect)
        self._paint_state(painter, rect)
        for port in self.input_ports:
            port.draw(painter)
        if self.output_port is not None:
            self.output_port.draw(painter)

    def _paint_overview(self, painter: QPainter, rect: QRectF) -> None:
        """Far away: flat boxes, no text; a problem fills the box with its colour."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        state = self.state
        fill = (style.BLOCK_FILL if state is BlockState.OK
                else style.ERROR_FILL if state is BlockState.ERROR else style.WARNING_FILL)
        painter.fillRect(rect, fill)
        painter.fillRect(QRectF(0, 0, rect.width(), style.HEADER_HEIGHT), self.colour)
        if state is BlockState.OK and not self.isSelected():
            painter.setPen(_FAR_BORDER)
        elif self.isSelected():
            painter.setPen(_FAR_SELECTED)
        else:
            painter.setPen(_FAR_ERROR if state is BlockState.ERROR else _FAR_WARNING)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)

    def _paint_text(self, painter: QPainter, rect: QRectF) -> None:
        pad = 8.0
        painter.setFont(style.title_font())
        painter.setPen(style.TITLE_TEXT)
        title_rect = QRectF(pad, 0, rect.width() - 2 * pad, style.HEADER_HEIGHT)
        title = painter.fontMetrics().elidedText(self.spec.label, Qt.TextElideMode.ElideRight,
                                                 int(title_rect.width()))
        used = painter.fontMetrics().horizontalAdvance(title)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         title)
        painter.setFont(style.id_font())
        room = int(title_rect.width() - used - 8)
        if room > 24:
            node_id = painter.fontMetrics().elidedText(self.node_id,
                                                       Qt.TextElideMode.ElideMiddle, room)
            painter.drawText(title_rect,
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, node_id)
        body_top = style.HEADER_HEIGHT
        line = (self.height - body_top) / 2
        painter.setFont(style.body_font())
        painter.setPen(style.BODY_TEXT)
        metrics = painter.fontMetrics()
        text = metrics.elidedText(self.summary, Qt.TextElideMode.ElideRight,
                                  int(rect.width() - 2 * pad))
        painter.drawText(QRectF(pad, body_top + 2, rect.width() - 2 * pad, line),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        if self.output_port is not None:
            painter.setFont(style.shape_font())
            painter.setPen(style.MUTED_TEXT)
            painter.drawText(QRectF(pad, body_top + line - 2, rect.width() - 2 * pad, line),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             self.shape_text)

    def _paint_state(self, painter: QPainter, rect: QRectF) -> None:
        if self.state is BlockState.OK:
            return
        colour = style.ERROR if self.state is BlockState.ERROR else style.WARNING
        radius = style.CORNER_RADIUS
        painter.setPen(QPen(colour, 3.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        centre = QPointF(rect.right() - 2, rect.top() - 1)
        painter.setPen(QPen(style.BLOCK_FILL, 1.5))
        painter.setBrush(colour)
        painter.drawEllipse(centre, style.BADGE_RADIUS, style.BADGE_RADIUS)
        painter.setPen(style.BLOCK_FILL)
        painter.setFont(style.badge_font())
        badge = QRectF(centre.x() - style.BADGE_RADIUS, centre.y() - style.BADGE_RADIUS,
                       2 * style.BADGE_RADIUS, 2 * style.BADGE_RADIUS)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "!")
