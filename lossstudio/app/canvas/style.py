"""Colours, fonts and metrics of the canvas (app layer).

One place for the look of blocks, ports and links, so the scene code only decides
*what* to draw. Fonts are made lazily: a ``QFont`` needs a running application.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QFont

BLOCK_WIDTH = 176.0
BLOCK_HEIGHT = 70.0
HEADER_HEIGHT = 22.0
CORNER_RADIUS = 6.0
PORT_RADIUS = 6.0
PORT_SPACING = 20.0
BADGE_RADIUS = 9.0
HALO = 4.0
"""Margin around a block for the selection halo and the badge."""

TEXT_DETAIL = 0.45
"""Below this zoom level blocks are drawn without text (fast overview)."""

CANVAS_BACKGROUND = QColor("#eef0f3")
GRID_MINOR = QColor("#e2e5ea")
GRID_MAJOR = QColor("#d3d7de")
BLOCK_FILL = QColor("#ffffff")
BLOCK_BORDER = QColor("#98a2b0")
TITLE_TEXT = QColor("#ffffff")
BODY_TEXT = QColor("#1f2933")
MUTED_TEXT = QColor("#66717f")
SELECTION = QColor("#1e88e5")
ERROR = QColor("#d32f2f")
WARNING = QColor("#e69500")
OK = QColor("#2e7d32")
ERROR_FILL = QColor("#f6c5c0")
WARNING_FILL = QColor("#fbe0ad")
LINK = QColor("#7b8794")
LINK_SELECTED = QColor("#1e88e5")
PORT_FILL = QColor("#ffffff")
PORT_BORDER = QColor("#5f6b7a")
PORT_CONNECTED = QColor("#5f6b7a")
PORT_CANDIDATE = QColor("#43a047")
PORT_HOVER = QColor("#1e88e5")

CATEGORY_COLOURS: dict[str, QColor] = {
    "Input/Output": QColor("#00897b"),
    "Core": QColor("#3f6fb5"),
    "Regularization": QColor("#7e57c2"),
    "Reshaping": QColor("#607d8b"),
    "Convolution": QColor("#ef6c00"),
    "Merge": QColor("#558b2f"),
}
_FALLBACK = QColor("#546e7a")


def category_colour(category: str) -> QColor:
    """The header colour of blocks in ``category``."""
    return CATEGORY_COLOURS.get(category, _FALLBACK)


@cache
def title_font() -> QFont:
    """Bold font of block titles."""
    font = QFont()
    font.setPointSizeF(9.5)
    font.setBold(True)
    return font


@cache
def id_font() -> QFont:
    """Small font of block ids in the header."""
    font = QFont()
    font.setPointSizeF(7.5)
    return font


@cache
def body_font() -> QFont:
    """Font of the parameter summary."""
    font = QFont()
    font.setPointSizeF(9.0)
    return font


@cache
def shape_font() -> QFont:
    """Font of the inferred output shape."""
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(8.0)
    return font


@cache
def badge_font() -> QFont:
    """Bold font of the ``!`` in a problem badge."""
    font = QFont()
    font.setPointSizeF(9.0)
    font.setBold(True)
    return font
