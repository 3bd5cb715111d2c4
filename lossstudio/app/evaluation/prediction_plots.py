"""The best epoch's validation predictions: a confusion matrix or an error histogram
(app layer).

Classification (single-label) shows the K×K confusion matrix, rows the true class and
columns the predicted class, each cell coloured by its share of its row and labelled
with its count; multi-label shows per label its TN, FP, FN, TP counts. Regression
shows the distribution of the errors prediction − target with a line at zero and the
mean and standard deviation in the title. The plot items are made once and re-used;
cell counts are painted by one item (not one text item per cell), so a new best epoch
during training redraws in a few milliseconds.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QVBoxLayout, QWidget

from lossstudio.app.evaluation.pg_setup import (
    BACKGROUND,
    FOREGROUND,
    pg,
    style_plot,
)
from lossstudio.runs import BestPredictions

MAX_CELL_LABELS = 900
BAR_COLOUR = "#1f77b4"
MULTILABEL_COLUMNS = ("TN", "FP", "FN", "TP")


def histogram(errors: np.ndarray, max_bins: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and counts of the finite ``errors``."""
    finite = errors[np.isfinite(errors)]
    if finite.size == 0:
        return np.array([0.0, 1.0]), np.array([0])
    bins = int(min(max_bins, max(5, np.sqrt(finite.size))))
    counts, edges = np.histogram(finite, bins=bins)
    return edges, counts


def blues() -> pg.ColorMap:
    """White to dark blue (as matplotlib's Blues), without needing matplotlib."""
    return pg.ColorMap([0.0, 0.5, 1.0], [(247, 251, 255), (107, 174, 214), (8, 48, 107)])


class CellLabels(pg.GraphicsObject):
    """The counts of a matrix, painted at the centre of each unit cell in screen pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.counts = np.zeros((0, 0))
        self.shares = np.zeros((0, 0))

    def set_matrix(self, counts: np.ndarray, shares: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.counts, self.shares = counts, shares
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt virtual
        rows, cols = self.counts.shape if self.counts.ndim == 2 else (0, 0)
        return QRectF(0, 0, cols, rows)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        rows, cols = self.counts.shape if self.counts.ndim == 2 else (0, 0)
        if rows * cols == 0 or rows * cols > MAX_CELL_LABELS:
            return
        transform = painter.transform()
        corner = transform.map(QPointF(1, 1)) - transform.map(QPointF(0, 0))
        cell_w, cell_h = abs(corner.x()), abs(corner.y())
        if cell_w < 14 or cell_h < 10:
            return
        painter.save()
        painter.resetTransform()
        dark, light = QColor(FOREGROUND), QColor("white")
        for r in range(rows):
            for c in range(cols):
                centre = transform.map(QPointF(c + 0.5, r + 0.5))
                rect = QRectF(centre.x() - cell_w / 2, centre.y() - cell_h / 2, cell_w, cell_h)
                painter.setPen(light if self.shares[r, c] > 0.6 else dark)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(int(self.counts[r, c])))
        painter.restore()


class PredictionsPlot(QWidget):
    """Confusion matrix or error histogram of one run's best epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(background=BACKGROUND)
        self.plot_widget.setObjectName("predictions_plot")
        self.item: pg.PlotItem = self.plot_widget.getPlotItem()
        style_plot(self.item, grid=False)
        self.image = pg.ImageItem()
        self.image.setColorMap(blues())
        self.labels = CellLabels()
        self.bars = pg.PlotDataItem(
            [0.0, 1.0], [0.0], stepMode="center", fillLevel=0,
            brush=pg.mkBrush(BAR_COLOUR + "99"), pen=pg.mkPen(BAR_COLOUR),
        )
        self.zero = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen("#d62728",
                                                             style=Qt.PenStyle.DashLine))
        for item in (self.image, self.labels, self.bars):
            self.item.addItem(item)
        self.item.addItem(self.zero, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.predictions: BestPredictions | None = None
        self.kind: str | None = None
        self.show_predictions(None)

    def show_predictions(self, predictions: BestPredictions | None, note: str = "") -> None:
        """Draw ``predictions`` (None: an empty plot with ``note`` as title)."""
        self.predictions = predictions
        kind = predictions.kind if predictions is not None else None
        matrix = kind in ("confusion", "multilabel")
        self.image.setVisible(matrix)
        self.labels.setVisible(matrix)
        self.bars.setVisible(kind == "errors")
        self.zero.setVisible(kind == "errors")
        if kind != self.kind:
            self._set_axes(kind)
            self.kind = kind
        for axis in ("left", "bottom"):
            self.item.showAxis(axis, kind is not None)
        if predictions is None:
            self.item.setTitle(note or "No predictions yet", color=FOREGROUND, size="10pt")
            self.plot_widget.setToolTip("")
            return
        if kind == "errors":
            self._draw_errors(predictions)
        elif kind == "multilabel":
            self._draw_multilabel(predictions)
        else:
            self._draw_confusion(predictions)
        self.item.enableAutoRange()

    def _set_axes(self, kind: str | None) -> None:
        matrix = kind in ("confusion", "multilabel")
        view = self.item.getViewBox()
        view.invertY(matrix)
        if not matrix:
            for axis in ("left", "bottom"):
                self.item.getAxis(axis).setTicks(None)
        left, bottom = {
            "confusion": ("true class", "predicted class"),
            "multilabel": ("label", ""),
            "errors": ("count", "prediction − target"),
        }.get(kind or "", ("", ""))
        self.item.setLabel("left", left)
        self.item.setLabel("bottom", bottom)

    def _draw_confusion(self, predictions: BestPredictions) -> None:
        counts = np.asarray(predictions.array, dtype=np.float64)
        k = counts.shape[0]
        names = [str(i) for i in range(k)]
        self._matrix(counts, names, names)
        accuracy = np.trace(counts) / counts.sum() if counts.sum() else float("nan")
        self.item.setTitle(
            f"Confusion matrix · epoch {predictions.epoch} · accuracy {accuracy:.3f}",
            color=FOREGROUND, size="10pt",
        )
        self.plot_widget.setToolTip(
            "Validation predictions of the best epoch: rows are the true classes, columns "
            "the predicted classes; colour is the share of the row."
        )

    def _draw_multilabel(self, predictions: BestPredictions) -> None:
        counts = np.asarray(predictions.array, dtype=np.float64).reshape(-1, 4)
        self._matrix(counts, [str(i) for i in range(counts.shape[0])], list(MULTILABEL_COLUMNS))
        self.item.setTitle(
            f"Per-label counts · epoch {predictions.epoch}", color=FOREGROUND, size="10pt"
        )
        self.plot_widget.setToolTip(
            "Validation predictions of the best epoch, per label: true negatives, false "
            "positives, false negatives, true positives."
        )

    def _matrix(self, counts: np.ndarray, rows: list[str], columns: list[str]) -> None:
        totals = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        self.image.setImage(shares.T, levels=(0.0, 1.0), autoLevels=False)
        self.labels.set_matrix(counts, shares)
        self.item.getAxis("bottom").setTicks([[(i + 0.5, n) for i, n in enumerate(columns)]])
        self.item.getAxis("left").setTicks([[(i + 0.5, n) for i, n in enumerate(rows)]])

    def _draw_errors(self, predictions: BestPredictions) -> None:
        errors = np.asarray(predictions.array, dtype=np.float64)
        edges, counts = histogram(errors)
        self.bars.setData(edges, counts)
        finite = errors[np.isfinite(errors)]
        mean = float(finite.mean()) if finite.size else float("nan")
        std = float(finite.std()) if finite.size else float("nan")
        self.item.setTitle(
            f"Errors · epoch {predictions.epoch} · mean {mean:.3g} · sd {std:.3g}",
            color=FOREGROUND, size="10pt",
        )
        self.plot_widget.setToolTip(
            "Distribution of prediction − target over the validation examples of the best "
            "epoch."
        )
