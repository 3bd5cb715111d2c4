"""A read-only drawing of the model a run trained, from its snapshot (app layer).

Draws the blocks of a project snapshot (a plain dict, as stored in ``run.json``) at
their saved positions with their type and main parameters, and the links between
them as arrows. Nothing can be edited; the view pans and zooms. It does not depend
on the Modeling view's canvas, so it shows any run, even one whose project is gone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

BLOCK_WIDTH = 190.0
BLOCK_HEIGHT = 72.0
SHOWN_PARAMS = ("feature", "units", "activation", "filters", "kernel_size", "rate", "loss",
                "pool_size", "target_shape", "output_dim")
FILL = {"input": "#e3f2fd", "target": "#fff3e0"}


def block_label(block: Mapping[str, Any]) -> tuple[str, str]:
    """Title (type and id) and a one-line summary of the main parameters."""
    params = block.get("params") or {}
    details = [f"{name}={_short(params[name])}" for name in SHOWN_PARAMS if name in params]
    return f"{block.get('type', '?')}  ·  {block.get('id', '?')}", ", ".join(details[:3])


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "×".join(str(v) for v in value)
    return str(value)


class ArchitectureView(QGraphicsView):
    """Blocks and links of a snapshot, read-only."""

    def __init__(self, snapshot: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setInteractive(False)
        self.block_ids: list[str] = []
        self.link_count = 0
        self._draw(snapshot)

    def _draw(self, snapshot: Mapping[str, Any]) -> None:
        scene = self.scene()
        centres: dict[str, QPointF] = {}
        title_font = QFont()
        title_font.setBold(True)
        for block in snapshot.get("blocks") or []:
            if not isinstance(block, Mapping):
                continue
            x, y = _position(block)
            block_id = str(block.get("id", ""))
            rect = QRectF(x, y, BLOCK_WIDTH, BLOCK_HEIGHT)
            path = QPainterPath()
            path.addRoundedRect(rect, 8, 8)
            fill = FILL.get(str(block.get("type")), "#f5f5f5")
            scene.addPath(path, QPen(QColor("#555555"), 1.2), QBrush(QColor(fill)))
            title, details = block_label(block)
            text = scene.addText(title, title_font)
            text.setPos(x + 6, y + 6)
            small = scene.addText(details)
            small.setDefaultTextColor(QColor("#444444"))
            small.setPos(x + 6, y + 30)
            small.setTextWidth(BLOCK_WIDTH - 12)
            centres[block_id] = QPointF(x + BLOCK_WIDTH / 2, y + BLOCK_HEIGHT / 2)
            self.block_ids.append(block_id)
        pen = QPen(QColor("#333333"), 1.5)
        for link in snapshot.get("links") or []:
            if not isinstance(link, Mapping):
                continue
            source, target = centres.get(str(link.get("source"))), centres.get(
                str(link.get("target"))
            )
            if source is None or target is None:
                continue
            start = QPointF(source.x() + BLOCK_WIDTH / 2, source.y())
            end = QPointF(target.x() - BLOCK_WIDTH / 2, target.y())
            scene.addLine(start.x(), start.y(), end.x(), end.y(), pen)
            scene.addPolygon(_arrow_head(start, end), pen, QBrush(QColor("#333333")))
            self.link_count += 1
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))

    def showEvent(self, event) -> None:  # noqa: ANN001 - Qt virtual
        super().showEvent(event)
        self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)


def _position(block: Mapping[str, Any]) -> tuple[float, float]:
    position = block.get("position")
    if isinstance(position, list | tuple) and len(position) == 2:
        try:
            return float(position[0]), float(position[1])
        except (TypeError, ValueError):
            pass
    return 0.0, 0.0


def _arrow_head(start: QPointF, end: QPointF, size: float = 9.0) -> QPolygonF:
    angle = math.atan2(end.y() - start.y(), end.x() - start.x())
    left = QPointF(end.x() - size * math.cos(angle - 0.4), end.y() - size * math.sin(angle - 0.4))
    right = QPointF(end.x() - size * math.cos(angle + 0.4), end.y() - size * math.sin(angle + 0.4))
    return QPolygonF([end, left, right])


class ArchitectureDialog(QDialog):
    """A window with the read-only architecture of one run."""

    def __init__(
        self, snapshot: Mapping[str, Any], title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Architecture of {title} (read-only)")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.view = ArchitectureView(snapshot, self)
        settings = snapshot.get("settings") or {}
        summary = ", ".join(
            f"{key} {settings[key]}" for key in ("epochs", "batch_size", "optimizer",
                                                   "learning_rate") if key in settings
        )
        note = QLabel(f"The model exactly as this run trained it. {summary}", self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)
        self.resize(900, 420)
