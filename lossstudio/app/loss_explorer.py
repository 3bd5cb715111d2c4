"""The loss explorer: what a loss does to one prediction (app layer).

A pyqtgraph plot of the per-example loss of one output as a function of the prediction
ŷ for a chosen target y, or, for the classification losses, as a function of the
predicted probability of the true class. Where the loss is undefined (ŷ outside its
domain, SPEC §4) the plot is shaded red and no curve is drawn; the output range of the
loss's recommended activation is shaded green between dashed bounds, and the current
last block's activation, when given, is marked by dotted bounds. Other losses can be
overlaid to compare their "hill".

``LossExplorer`` is the widget (``compact=True`` for the Target block's property panel,
with a button that opens the full window); ``LossExplorerWindow`` is its own small
window. Curves are computed with numpy from the formulas of SPEC §4 (with the engine's
clamping), so the explorer never imports torch; the tests compare them with the
engine's ``per_example_loss``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

import numpy as np

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lossstudio.core.activations import ACTIVATIONS  # noqa: E402
from lossstudio.core.losses import LOSSES, Fit, compatibility  # noqa: E402
from lossstudio.core.ranges import Interval, format_number  # noqa: E402
from lossstudio.core.validator import activation_message  # noqa: E402

EPS = 1e-7
"""The engine's clamp where a logarithm meets the edge of its domain (SPEC §4)."""

PREDICTION, PROBABILITY = "prediction", "probability"
PROBABILITY_LOSSES = ("categorical_crossentropy", "binary_crossentropy")
"""Losses whose prediction is the probability of a class."""

COLOURS = {
    "categorical_crossentropy": "#1f77b4", "binary_crossentropy": "#ff7f0e",
    "squared_hinge": "#9467bd", "mean_squared_error": "#2ca02c",
    "mean_absolute_error": "#8c564b", "mean_squared_logarithmic_error": "#e377c2",
    "poisson": "#17becf",
}
UNDEFINED = QColor(211, 47, 47, 38)
RECOMMENDED = QColor(46, 125, 50, 30)
SAMPLES = 801


def loss_values(loss_id: str, prediction: np.ndarray, target: float) -> np.ndarray:
    """The per-example loss of a one-output prediction ``ŷ`` for the target ``y``.

    The formulas of SPEC §4 with the engine's clamping, in float64; NaN where ``ŷ`` lies
    outside the loss's domain (where the loss is undefined).
    """
    p = np.asarray(prediction, dtype=np.float64)
    y = float(target)
    with np.errstate(divide="ignore", invalid="ignore"):
        if loss_id == "categorical_crossentropy":
            values = -y * np.log(np.clip(p, EPS, 1 - EPS))
        elif loss_id == "binary_crossentropy":
            q = np.clip(p, EPS, 1 - EPS)
            values = -(y * np.log(q) + (1 - y) * np.log1p(-q))
        elif loss_id == "squared_hinge":
            t = 2 * y - 1 if y in (0.0, 1.0) else y  # 0/1 targets are mapped to -1/+1
            values = np.maximum(0.0, 1 - t * p) ** 2
        elif loss_id == "mean_squared_error":
            values = (y - p) ** 2
        elif loss_id == "mean_absolute_error":
            values = np.abs(y - p)
        elif loss_id == "mean_squared_logarithmic_error":
            values = (np.log1p(max(y, EPS - 1)) - np.log1p(np.maximum(p, EPS - 1))) ** 2
        elif loss_id == "poisson":
            values = p - y * np.log(p + EPS)
        else:
            raise ValueError(f"unknown loss {loss_id!r}")
    domain = LOSSES[loss_id].domain
    inside = np.array([domain.contains_value(float(v)) for v in p], dtype=bool)
    return np.where(inside, values, np.nan)


def probability_values(loss_id: str, probability: np.ndarray) -> np.ndarray:
    """The loss when the output of the true class is ``probability`` (its target is 1)."""
    if loss_id not in PROBABILITY_LOSSES:
        raise ValueError(f"{loss_id!r} does not predict probabilities")
    return loss_values(loss_id, probability, 1.0)


def _bounds(interval: Interval) -> list[float]:
    return [b for b in (interval.low, interval.high) if np.isfinite(b)]


def x_range(loss_ids: Iterable[str], target: float, mode: str = PREDICTION) -> tuple[float, float]:
    """The stretch of ŷ worth showing: the target, the domain edges and some room."""
    if mode == PROBABILITY:
        return -0.1, 1.1
    lows, highs = [], []
    for loss_id in loss_ids:
        domain = LOSSES[loss_id].domain
        if np.isfinite(domain.low) and np.isfinite(domain.high):
            room = 0.25 * (domain.high - domain.low)
            lows.append(min(domain.low, target) - room)
            highs.append(max(domain.high, target) + room)
        else:
            edges = [target, *_bounds(domain)]
            lows.append(min(edges) - 2.5)
            highs.append(max(edges) + 2.5)
    return (min(lows), max(highs)) if lows else (-3.0, 3.0)


def undefined_spans(loss_id: str, low: float, high: float) -> list[tuple[float, float]]:
    """The stretches of ``[low, high]`` where ``loss_id`` is undefined."""
    domain = LOSSES[loss_id].domain
    spans = []
    if domain.low > low:
        spans.append((low, min(domain.low, high)))
    if domain.high < high:
        spans.append((max(domain.high, low), high))
    return spans


class LossExplorer(QWidget):
    """The plot and its controls: target, x axis, losses to compare."""

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self.loss_id = "mean_squared_error"
        self.activation_id: str | None = None
        self.compared: list[str] = []
        self._window: LossExplorerWindow | None = None
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setObjectName("loss_explorer_plot")
        self.plot_widget.setMinimumHeight(170 if compact else 320)
        self.item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.item.showGrid(x=True, y=True, alpha=0.25)
        self.item.hideButtons()
        self.item.setMenuEnabled(False)
        self.target = QDoubleSpinBox(self)
        self.target.setObjectName("loss_explorer_target")
        self.target.setRange(-1000.0, 1000.0)
        self.target.setDecimals(2)
        self.target.setSingleStep(0.1)
        self.target.setValue(1.0)
        self.target.setToolTip("The target value y of the one output shown")
        self.mode = QComboBox(self)
        self.mode.setObjectName("loss_explorer_mode")
        self.mode.addItem("Prediction ŷ", PREDICTION)
        self.mode.addItem("Probability of the true class", PROBABILITY)
        self.losses = QListWidget(self)
        self.losses.setObjectName("loss_explorer_losses")
        for loss in LOSSES.values():
            item = QListWidgetItem(loss.label)
            item.setData(Qt.ItemDataRole.UserRole, loss.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setForeground(QColor(COLOURS[loss.id]))
            self.losses.addItem(item)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setObjectName("loss_explorer_note")
        self.note.setStyleSheet("color: #66717f")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Target y", self.target)
        form.addRow("x axis", self.mode)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        if compact:
            self.losses.setVisible(False)
            self.open_button = QPushButton("Compare losses in a window…", self)
            self.open_button.clicked.connect(self.open_window)
            layout.addWidget(self.plot_widget)
            layout.addWidget(self.note)
            layout.addWidget(self.open_button)
        else:
            row = QHBoxLayout()
            row.addWidget(self.plot_widget, 1)
            side = QVBoxLayout()
            side.addWidget(QLabel("Overlay (compare the hills):", self))
            side.addWidget(self.losses)
            row.addLayout(side)
            layout.addLayout(row, 1)
            layout.addWidget(self.note)
            self.losses.setMaximumWidth(260)
        self.target.valueChanged.connect(self._redraw)
        self.mode.currentIndexChanged.connect(self._redraw)
        self.losses.itemChanged.connect(self._list_changed)
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._spans: list[tuple[str, float, float]] = []
        self._recommended: tuple[float, float] | None = None
        self._redraw()

    # -- the state ---------------------------------------------------------------------

    def set_loss(self, loss_id: str) -> None:
        """Show ``loss_id`` (the Target block's loss) as the main curve."""
        if loss_id not in LOSSES:
            raise ValueError(f"unknown loss {loss_id!r}")
        self.loss_id = loss_id
        self._sync_list()
        self._redraw()
        if self._window is not None and self._window.isVisible():
            self._window.explorer.set_loss(loss_id)

    def set_activation(self, activation_id: str | None) -> None:
        """Mark the output range of the last block's activation (``None``: none)."""
        self.activation_id = activation_id if activation_id in ACTIVATIONS else None
        self._redraw()
        if self._window is not None and self._window.isVisible():
            self._window.explorer.set_activation(activation_id)

    def set_target(self, value: float) -> None:
        """The target value ``y`` of the output shown."""
        self.target.setValue(value)

    def set_mode(self, mode: str) -> None:
        """``"prediction"`` (loss against ŷ) or ``"probability"`` (of the true class)."""
        self.mode.setCurrentIndex(self.mode.findData(mode))

    def set_compared(self, loss_ids: Sequence[str]) -> None:
        """Overlay these losses on the main one."""
        self.compared = [loss_id for loss_id in loss_ids if loss_id in LOSSES]
        self._sync_list()
        self._redraw()

    def shown_losses(self) -> list[str]:
        """The losses drawn: the main one, then the overlays that fit the x axis."""
        ids = [self.loss_id, *(c for c in self.compared if c != self.loss_id)]
        if self.effective_mode() == PROBABILITY:
            ids = [loss_id for loss_id in ids if loss_id in PROBABILITY_LOSSES]
        return ids

    def effective_mode(self) -> str:
        """The x axis drawn: probability only when the main loss predicts probabilities."""
        if self.mode.currentData() == PROBABILITY and self.loss_id in PROBABILITY_LOSSES:
            return PROBABILITY
        return PREDICTION

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The drawn curves: loss id → (x, loss), NaN where undefined."""
        return dict(self._curves)

    def undefined(self) -> list[tuple[str, float, float]]:
        """The shaded stretches: (loss id, from, to)."""
        return list(self._spans)

    def recommended_range(self) -> tuple[float, float] | None:
        """The shaded output range of the main loss's recommended activation."""
        return self._recommended

    def open_window(self) -> LossExplorerWindow:
        """Open (or raise) the full explorer window on the same loss."""
        if self._window is None:
            self._window = LossExplorerWindow(self.loss_id, self.activation_id, parent=self)
        self._window.explorer.set_loss(self.loss_id)
        self._window.explorer.set_activation(self.activation_id)
        self._window.show()
        self._window.raise_()
        return self._window

    # -- drawing -------------------------------------------------------------------------

    def _sync_list(self) -> None:
        self.losses.blockSignals(True)
        for row in range(self.losses.count()):
            item = self.losses.item(row)
            loss_id = item.data(Qt.ItemDataRole.UserRole)
            checked = loss_id == self.loss_id or loss_id in self.compared
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            flags = Qt.ItemFlag.ItemIsUserCheckable
            if loss_id != self.loss_id:
                flags |= Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
        self.losses.blockSignals(False)

    def _list_changed(self, item: QListWidgetItem) -> None:
        loss_id = item.data(Qt.ItemDataRole.UserRole)
        checked = item.checkState() == Qt.CheckState.Checked
        self.compared = [c for c in self.compared if c != loss_id] + ([loss_id] if checked else [])
        self._redraw()

    def _redraw(self) -> None:
        item = self.item
        item.clear()
        mode = self.effective_mode()
        probability = mode == PROBABILITY
        self.target.setEnabled(not probability)
        y = self.target.value()
        ids = self.shown_losses()
        low, high = x_range(ids, y, mode)
        x = np.linspace(low, high, SAMPLES)
        self._curves, self._spans = {}, []
        for loss_id in ids:
            for start, end in undefined_spans(loss_id, low, high):
                self._spans.append((loss_id, start, end))
                region = pg.LinearRegionItem((start, end), movable=False, brush=UNDEFINED)
                region.setZValue(-20)
                for line in region.lines:
                    line.setPen(pg.mkPen(None))
                item.addItem(region, ignoreBounds=True)
        self._recommended = self._mark_recommended(low, high)
        self._mark_activation(low, high)
        for loss_id in ids:
            values = probability_values(loss_id, x) if probability else loss_values(loss_id, x, y)
            self._curves[loss_id] = (x, values)
            width = 3 if loss_id == self.loss_id else 2
            item.plot(x, values, pen=pg.mkPen(COLOURS[loss_id], width=width),
                      name=LOSSES[loss_id].label, connect="finite")
        if not probability:
            item.addItem(pg.InfiniteLine(y, angle=90, pen=pg.mkPen("#888888", width=1)),
                         ignoreBounds=True)
        item.setXRange(low, high, padding=0)
        bottom = "predicted probability p of the true class" if probability else "prediction ŷ"
        item.setLabel("bottom", bottom, color="#333333")
        item.setLabel("left", "loss of one example", color="#333333")
        item.setTitle(self._title(probability, y), color="#333333", size="10pt")
        self.note.setText(self._note(probability))

    def _mark_recommended(self, low: float, high: float) -> tuple[float, float] | None:
        loss = LOSSES[self.loss_id]
        if not loss.recommended:
            return None
        span = ACTIVATIONS[loss.recommended[0]].range
        start, end = max(span.low, low), min(span.high, high)
        if start >= end:
            return None
        region = pg.LinearRegionItem((start, end), movable=False, brush=RECOMMENDED)
        region.setZValue(-30)
        for line in region.lines:
            line.setPen(pg.mkPen(None))
        self.item.addItem(region, ignoreBounds=True)
        names = " / ".join(ACTIVATIONS[a].label for a in loss.recommended)
        pen = pg.mkPen("#2e7d32", width=1.5, style=Qt.PenStyle.DashLine)
        self._bound_lines(span, low, high, names, pen, 0.92, "#2e7d32")
        return float(span.low), float(span.high)

    def _bound_lines(self, span: Interval, low: float, high: float, label: str, pen: object,
                     position: float, colour: str) -> None:
        """Vertical lines at the finite bounds of ``span``; the first one labelled."""
        shown = [bound for bound in _bounds(span) if low <= bound <= high]
        for index, bound in enumerate(shown):
            options = {"position": position, "color": colour, "fill": (255, 255, 255, 210),
                       "anchors": [(0, 0.5), (0, 0.5)]}
            self.item.addItem(pg.InfiniteLine(
                bound, angle=90, movable=False, pen=pen, label=label if index == 0 else None,
                labelOpts=options), ignoreBounds=True)

    def _mark_activation(self, low: float, high: float) -> None:
        if self.activation_id is None:
            return
        activation = ACTIVATIONS[self.activation_id]
        pen = pg.mkPen("#e69500", width=1.5, style=Qt.PenStyle.DotLine)
        self._bound_lines(activation.range, low, high, f"your {activation.label}", pen, 0.7,
                          "#b26a00")

    def _title(self, probability: bool, y: float) -> str:
        label = LOSSES[self.loss_id].label
        if probability:
            return f"{label} against the probability of the true class"
        return f"{label} for target y = {format_number(y)}"

    def _note(self, probability: bool) -> str:
        loss = LOSSES[self.loss_id]
        names = " or ".join(ACTIVATIONS[a].label for a in loss.recommended)
        text = (f"ŷ must lie in {loss.domain.notation()} (red: undefined). Green: what "
                f"{names}, the recommended last activation, can output.")
        if self.loss_id == "squared_hinge" and not probability:
            text += " Targets 0/1 count as −1/+1."
        if probability:
            text += " The loss of the true class's output; the target spin box does not apply."
        if self.activation_id is not None:
            activation = ACTIVATIONS[self.activation_id]
            fit = compatibility(loss, activation)
            if fit is not Fit.FINE:
                text += f" Your last block: {activation_message(loss, activation, fit)}"
        return text


class LossExplorerWindow(QWidget):
    """The loss explorer in a small window of its own."""

    def __init__(
        self, loss_id: str = "mean_squared_error", activation_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Loss explorer — LossStudio")
        self.setObjectName("loss_explorer_window")
        self.explorer = LossExplorer(self)
        self.explorer.set_loss(loss_id)
        self.explorer.set_activation(activation_id)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explorer)
        self.resize(820, 480)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lossstudio.app.loss_explorer [LOSS [COMPARED…]]``: the window alone."""
    args = list(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = LossExplorerWindow(args[0] if args else "poisson")
    window.explorer.set_compared(args[1:])
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
