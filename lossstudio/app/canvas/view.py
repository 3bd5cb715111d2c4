"""The canvas view: zoom, pan, fit, grid background and palette drops (app layer).

The wheel zooms around the cursor; the middle button (or Space + drag) pans; a
left drag on empty canvas draws a rubber band that selects. A block dragged from the
palette is dropped here and becomes an ``AddNode`` edit at the drop point.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from lossstudio.app.canvas import style
from lossstudio.app.canvas.block_item import BlockItem
from lossstudio.app.canvas.scene import CanvasScene
from lossstudio.core.blocks import BLOCKS
from lossstudio.core.errors import GraphError

if TYPE_CHECKING:
    from lossstudio.project import Project

BLOCK_MIME = "application/x-lossstudio-block"
"""Mime type of a palette drag: the block type id as UTF-8."""

MIN_ZOOM, MAX_ZOOM, FIT_MAX_ZOOM = 0.05, 4.0, 1.25
ZOOM_STEP = 1.25
GRID = 20.0


class CanvasView(QGraphicsView):
    """The widget showing a ``CanvasScene``."""

    zoom_changed = Signal(float)

    def __init__(self, scene: CanvasScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.canvas_scene = scene
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self._pan_from: QPoint | None = None
        self._auto_fit = False
        self._space = False
        self._rect_timer = QTimer(self)
        self._rect_timer.setSingleShot(True)
        self._rect_timer.setInterval(0)
        self._rect_timer.timeout.connect(self.update_scene_rect)
        scene.layout_changed.connect(self._rect_timer.start)
        self.update_scene_rect()

    @property
    def project(self) -> Project:
        """The project the scene mirrors."""
        return self.canvas_scene.project()

    def item_for(self, node_id: str) -> BlockItem:
        """The item drawn for block ``node_id``."""
        return self.canvas_scene.item_for(node_id)

    # --- zoom and pan ------------------------------------------------------------
    def zoom(self) -> float:
        """The current scale (1.0 = 100 %)."""
        return self.transform().m11()

    def set_zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Scale by ``factor``, keeping ``anchor`` (viewport point) still when given."""
        self._auto_fit = False
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        if math.isclose(factor, 1.0):
            return
        if anchor is not None:
            point = anchor.toPoint()
            before = self.mapToScene(point)
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
            self.scale(factor, factor)
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
            drift = self.mapFromScene(before) - point
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + drift.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + drift.y())
        else:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
            self.scale(factor, factor)
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        """One step closer, around the view's centre."""
        self.set_zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        """One step further, around the view's centre."""
        self.set_zoom(1 / ZOOM_STEP)

    def request_fit(self) -> None:
        """Fit now, and again on resizes until the user zooms or pans (a new project)."""
        self._auto_fit = True
        self.zoom_fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.zoom_fit()

    def zoom_fit(self) -> None:
        """Show every block (at most 125 %)."""
        rect = self.canvas_scene.blocks_rect()
        if rect.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
        else:
            rect = rect.adjusted(-40, -40, 40, 40)
            self.update_scene_rect()
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            if self.zoom() > FIT_MAX_ZOOM:
                self.resetTransform()
                self.scale(FIT_MAX_ZOOM, FIT_MAX_ZOOM)
                self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    def center_on_block(self, node_id: str) -> None:
        """Scroll so that block ``node_id`` is in the middle."""
        item = self.canvas_scene.blocks.get(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())

    def update_scene_rect(self) -> None:
        """Let the user scroll a generous margin around the blocks."""
        rect = self.canvas_scene.blocks_rect()
        if rect.isEmpty():
            rect = QRectF(-400, -300, 800, 600)
        margin = 1500.0
        self.setSceneRect(rect.adjusted(-margin, -margin, margin, margin)
                          .united(self.sceneRect()))

    def visible_scene_centre(self) -> QPointF:
        """The scene point in the middle of the viewport."""
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.set_zoom(math.pow(1.0015, delta), event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.RightButton:
            self._select_for_menu(event.position().toPoint())
            event.accept()
            return
        middle = event.button() is Qt.MouseButton.MiddleButton
        if middle or (self._space and event.button() is Qt.MouseButton.LeftButton):
            self._auto_fit = False
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def _select_for_menu(self, point: QPoint) -> None:
        """Right-click on an unselected block or link selects just it (for the menu)."""
        item = self.itemAt(point)
        while item is not None and not (item.flags()
                                        & item.GraphicsItemFlag.ItemIsSelectable):
            item = item.parentItem()
        if item is not None and not item.isSelected():
            self.canvas_scene.clearSelection()
            item.setSelected(True)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            point = event.position().toPoint()
            delta = point - self._pan_from
            self._pan_from = point
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    # --- background --------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        rect = QRectF(rect)
        painter.fillRect(rect, style.CANVAS_BACKGROUND)
        zoom = self.zoom()
        step = GRID if zoom >= 0.5 else GRID * 5
        if step * zoom < 6:
            return
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        minor, major = QPen(style.GRID_MINOR, 0), QPen(style.GRID_MAJOR, 0)
        x = left
        while x < rect.right():
            painter.setPen(major if round(x / GRID) % 5 == 0 else minor)
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            painter.setPen(major if round(y / GRID) % 5 == 0 else minor)
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step

    # --- drops from the palette --------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_copy(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._accept_copy(event)

    @staticmethod
    def _accept_copy(event: QDragMoveEvent | QDropEvent) -> None:
        if event.mimeData().hasFormat(BLOCK_MIME):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(BLOCK_MIME):
            event.ignore()
            return
        type_id = bytes(mime.data(BLOCK_MIME).data()).decode("utf-8", "replace")
        point = self.mapToScene(event.position().toPoint())
        if self.add_block(type_id, point) is not None:
            self._accept_copy(event)
        else:
            event.ignore()

    def add_block(self, type_id: str, centre: QPointF | None = None) -> str | None:
        """Add a block of ``type_id`` centred at ``centre`` (default: mid-view)."""
        if type_id not in BLOCKS:
            self.canvas_scene.message_posted.emit(f"Unknown block type {type_id!r}")
            return None
        centre = centre if centre is not None else self.free_spot(self.visible_scene_centre())
        x = round(centre.x() - style.BLOCK_WIDTH / 2)
        y = round(centre.y() - style.BLOCK_HEIGHT / 2)
        try:
            node_id = self.project.add(type_id, position=(float(x), float(y)))
        except GraphError as error:
            self.canvas_scene.message_posted.emit(str(error))
            return None
        self.canvas_scene.select_blocks([node_id])
        self.setFocus()
        self.canvas_scene.message_posted.emit(f"Added {BLOCKS[type_id].label} block {node_id}")
        return node_id

    def free_spot(self, centre: QPointF) -> QPointF:
        """``centre``, moved down-right until no block sits exactly there."""
        taken = {(item.pos().x(), item.pos().y()) for item in self.canvas_scene.blocks.values()}
        spot = QPointF(centre)
        for _ in range(50):
            corner = (float(round(spot.x() - style.BLOCK_WIDTH / 2)),
                      float(round(spot.y() - style.BLOCK_HEIGHT / 2)))
            if corner not in taken:
                break
            spot += QPointF(30, 30)
        return spot
