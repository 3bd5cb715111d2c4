"""The graphics items of links: a placed link and the one being dragged (app layer).

A ``LinkItem`` is a cubic curve from a block's output port to another block's input
port; it follows its blocks as they move. It can be selected (and deleted). The
``DragLinkItem`` is the dashed rubber band that follows the mouse while connecting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from lossstudio.app.canvas import style
from lossstudio.core.graph import Link

if TYPE_CHECKING:
    from lossstudio.app.canvas.block_item import BlockItem


_PEN = QPen(style.LINK, 2.0)
_PEN_SELECTED = QPen(style.LINK_SELECTED, 3.0)
_PEN_FAR = QPen(style.LINK, 0)


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve from an output (left) to an input (right)."""
    path = QPainterPath(start)
    bend = max(40.0, abs(end.x() - start.x()) * 0.5, abs(end.y() - start.y()) * 0.25)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
    return path


class LinkItem(QGraphicsPathItem):
    """A link from ``source``'s output port to input ``port`` of ``target``."""

    def __init__(self, link: Link, source: BlockItem, target: BlockItem) -> None:
        super().__init__()
        self.link_id = link.id
        self.link = link
        self.source = source
        self.target = target
        self.port = link.port
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self.setToolTip(f"{link.source} → {link.target} (input {link.port + 1})")
        self._hit = QPainterPath()
        self._bounds = QRectF()
        source.links.add(self)
        target.links.add(self)
        self.update_path()

    def detach(self) -> None:
        """Forget the blocks (before the item is removed)."""
        self.source.links.discard(self)
        self.target.links.discard(self)

    def ends(self) -> tuple[QPointF, QPointF]:
        """The scene positions of the output and input ports."""
        out = self.source.output_port
        port = self.target.input_ports[self.port] if self.port < len(
            self.target.input_ports) else None
        start = out.anchor() if out is not None else self.source.scenePos()
        end = port.anchor() if port is not None else self.target.scenePos()
        return start, end

    def update_path(self) -> None:
        """Follow the blocks."""
        start, end = self.ends()
        path = curve(start, end)
        stroker = QPainterPathStroker()
        stroker.setWidth(10.0)
        self.prepareGeometryChange()
        self._hit = stroker.createStroke(path)
        self._bounds = self._hit.boundingRect().adjusted(-2, -2, 2, 2)
        self.setPath(path)

    def shape(self) -> QPainterPath:
        return self._hit

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        selected = self.isSelected()
        detail = option.levelOfDetailFromTransform(painter.worldTransform())
        if detail < style.TEXT_DETAIL:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(_PEN_SELECTED if selected else _PEN_FAR)
            painter.drawPath(self.path())
            return
        colour = style.LINK_SELECTED if selected else style.LINK
        painter.setPen(_PEN_SELECTED if selected else _PEN)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        end = self.path().currentPosition()
        tip = end.x() - style.PORT_RADIUS - 1
        arrow = QPolygonF([QPointF(tip, end.y()), QPointF(tip - 8, end.y() - 4.5),
                           QPointF(tip - 8, end.y() + 4.5)])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(arrow)


class DragLinkItem(QGraphicsPathItem):
    """The dashed line that follows the mouse while a link is being made."""

    def __init__(self, anchor: QPointF, from_output: bool) -> None:
        super().__init__()
        self.anchor = anchor
        self.from_output = from_output
        pen = QPen(style.SELECTION, 2.0, Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setZValue(10)
        self.follow(anchor)

    def follow(self, point: QPointF) -> None:
        """Stretch from the anchor port to ``point``."""
        if self.from_output:
            self.setPath(curve(self.anchor, point))
        else:
            self.setPath(curve(point, self.anchor))
