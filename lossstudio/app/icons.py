"""Small icons painted in code: severities, fit marks, block categories (app layer).

Painting them keeps the app free of icon files and icon themes, which are often
missing on minimal Linux desktops.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from lossstudio.app.canvas import style

SIZE = 16


def _canvas() -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(SIZE * 2, SIZE * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _glyph(painter: QPainter, rect: QRectF, text: str) -> None:
    font = QFont()
    font.setBold(True)
    font.setPixelSize(11)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


@cache
def error_icon() -> QIcon:
    """A red disc with ``!``."""
    pixmap, painter = _canvas()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.ERROR)
    painter.drawEllipse(QRectF(1, 1, SIZE - 2, SIZE - 2))
    _glyph(painter, QRectF(0, 0, SIZE, SIZE), "!")
    painter.end()
    return QIcon(pixmap)


@cache
def warning_icon() -> QIcon:
    """An amber triangle with ``!``."""
    pixmap, painter = _canvas()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.WARNING)
    painter.drawPolygon(QPolygonF([QPointF(SIZE / 2, 1), QPointF(SIZE - 1, SIZE - 2),
                                   QPointF(1, SIZE - 2)]))
    _glyph(painter, QRectF(0, 2, SIZE, SIZE - 2), "!")
    painter.end()
    return QIcon(pixmap)


@cache
def ok_icon() -> QIcon:
    """A green disc with a check mark."""
    pixmap, painter = _canvas()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.OK)
    painter.drawEllipse(QRectF(1, 1, SIZE - 2, SIZE - 2))
    path = QPainterPath(QPointF(4.5, 8.5))
    path.lineTo(7, 11)
    path.lineTo(11.5, 5)
    painter.setPen(QPen(QColor("white"), 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.end()
    return QIcon(pixmap)


@cache
def cross_icon() -> QIcon:
    """A red disc with a cross (does not fit)."""
    pixmap, painter = _canvas()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.ERROR)
    painter.drawEllipse(QRectF(1, 1, SIZE - 2, SIZE - 2))
    painter.setPen(QPen(QColor("white"), 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(QPointF(5.5, 5.5), QPointF(10.5, 10.5))
    painter.drawLine(QPointF(10.5, 5.5), QPointF(5.5, 10.5))
    painter.end()
    return QIcon(pixmap)


@cache
def neutral_icon() -> QIcon:
    """A grey ring (fit unknown: nothing feeds the Target)."""
    pixmap, painter = _canvas()
    painter.setPen(QPen(QColor("#9aa3ad"), 1.5))
    painter.drawEllipse(QRectF(2, 2, SIZE - 4, SIZE - 4))
    painter.end()
    return QIcon(pixmap)


@cache
def category_icon(category: str) -> QIcon:
    """A rounded swatch in the category's header colour."""
    pixmap, painter = _canvas()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.category_colour(category))
    painter.drawRoundedRect(QRectF(2, 3, SIZE - 4, SIZE - 6), 3, 3)
    painter.end()
    return QIcon(pixmap)
