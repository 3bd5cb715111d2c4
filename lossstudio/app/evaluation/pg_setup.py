"""Imports pyqtgraph bound to PySide6 and styles plots the LossStudio way (app layer).

Every evaluation module imports pyqtgraph from here, so it never binds to another Qt
binding. No global pyqtgraph options are changed: styling is per plot.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
import PySide6.QtCore  # noqa: E402,F401  (bind pyqtgraph to PySide6)
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

BACKGROUND = "w"
FOREGROUND = "#333333"
GRID_COLOUR = "#dcdcdc"
LEFT_AXIS_WIDTH = 52


def refit(item: pg.PlotItem) -> None:
    """Apply auto-range now (when it is on) rather than inside the next paint, which
    would paint the plot twice; a range the user zoomed to is kept."""
    item.getViewBox().updateAutoRange()


def style_plot(
    item: pg.PlotItem, title: str = "", x_label: str = "", y_label: str = "", grid: bool = True
) -> None:
    """Dark text on white, light axis lines, an opaque grid on major ticks only (pyqtgraph's
    translucent grid on every tick level made each repaint 3–4× slower), a fixed-width
    left axis (no re-layout when tick labels change) and no auto-range button."""
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(GRID_COLOUR))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setStyle(maxTickLevel=0)
        axis.setGrid(255 if grid else False)
        axis.setZValue(-1)  # the grid (drawn by the axis) goes under curves and legend
    item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    item.hideButtons()
    if title:
        item.setTitle(title, color=FOREGROUND, size="10pt")
    if x_label:
        item.setLabel("bottom", x_label, color=FOREGROUND)
    if y_label:
        item.setLabel("left", y_label, color=FOREGROUND)


def set_scene_actions(widget: pg.GraphicsView, actions: list[QAction]) -> None:
    """Show ``actions`` in the right-click menu of every plot of ``widget`` instead of
    pyqtgraph's own "Export..." (whose SVG writer fails with Qt 6.10+)."""
    widget.scene().contextMenu = list(actions)


def new_action(text: str, parent: QWidget) -> QAction:
    """An action owned by ``parent``."""
    return QAction(text, parent)


class EpochAxis(pg.AxisItem):
    """An x axis of epochs: ticks on whole numbers only."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803
        levels = [(s, o) for s, o in super().tickSpacing(minVal, maxVal, size) if s >= 1.0]
        return levels or [(1.0, 0.0)]


def use_epoch_axis(item: pg.PlotItem) -> None:
    """Give ``item`` an epoch x axis owned by the plot on the C++ side.

    pyqtgraph parents the axes it makes to the plot, but not axes passed in through
    ``axisItems``: such an axis stays owned by its Python wrapper, and when that wrapper
    is collected the axis is deleted while still in the scene (a crash at the next
    repaint). ``setParentItem`` hands it to the plot.
    """
    axis = EpochAxis("bottom")
    item.setAxisItems({"bottom": axis})
    axis.setParentItem(item)
