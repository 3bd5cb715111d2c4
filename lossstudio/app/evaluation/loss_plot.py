"""The loss plot: training and validation loss per epoch of one or more runs (app layer).

As in Peltarion, both curves are drawn at the epoch numbers (1, 2, …): the validation
curve starts after epoch 1. One run is drawn blue (training) and orange (validation)
with a star on the best epoch and a dashed line through it; several runs get one
colour each (validation solid, training dashed), a star each and a legend of run
names. Log scale and smoothing (trailing moving average, off by default; the raw
curve stays faint behind) are toggles above the plot; the line above them reads out
epoch and values under the mouse.

Curve items are pooled: showing other runs re-uses the items already in the plot
(new data and pens) and only creates items when more runs are shown than ever
before, so switching runs and live updates never rebuild the scene. ``update_run``
redraws one run's curves after it grew (live training, a run written elsewhere).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lossstudio.app.evaluation.pg_setup import (
    BACKGROUND,
    pg,
    refit,
    style_plot,
    use_epoch_axis,
)
from lossstudio.app.evaluation.series import RunSeries, colour, moving_average

TRAIN_COLOUR = "#1f77b4"
VAL_COLOUR = "#ff7f0e"
BEST_COLOUR = "#2ca02c"
MAX_READOUT_RUNS = 4
FAINT = 0.3


class _CurveSet:
    """The pooled items of one shown run."""

    def __init__(self, item: pg.PlotItem) -> None:
        self.item = item
        self.train = item.plot()
        self.val = item.plot()
        for curve in (self.train, self.val):
            curve.setClipToView(True)
        self._raw: tuple[pg.PlotDataItem, pg.PlotDataItem] | None = None
        self.series: RunSeries | None = None
        self.colours = (TRAIN_COLOUR, VAL_COLOUR)

    def raw(self) -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
        """The faint unsmoothed curves (made when smoothing is first turned on)."""
        if self._raw is None:
            pair = (self.item.plot(), self.item.plot())
            for curve, pen_colour in zip(pair, self.colours, strict=True):
                curve.setOpacity(FAINT)
                curve.setClipToView(True)
                curve.setPen(pg.mkPen(pen_colour, width=1))
            self._raw = pair
        return self._raw

    def hide_raw(self) -> None:
        if self._raw is not None:
            for curve in self._raw:
                curve.setData([], [])
                curve.setVisible(False)

    def style(self, index: int, single: bool) -> None:
        train_colour = TRAIN_COLOUR if single else colour(index)
        val_colour = VAL_COLOUR if single else colour(index)
        dash = Qt.PenStyle.SolidLine if single else Qt.PenStyle.DashLine
        self.colours = (train_colour, val_colour)
        width = 2 if single else 1  # thin lines draw several times faster in overlays
        self.train.setPen(pg.mkPen(train_colour, width=width, style=dash))
        self.val.setPen(pg.mkPen(val_colour, width=width))
        if self._raw is not None:
            for curve, pen_colour in zip(self._raw, self.colours, strict=True):
                curve.setPen(pg.mkPen(pen_colour, width=1))
        for curve, brush in ((self.train, train_colour), (self.val, val_colour)):
            curve.setSymbol("o" if single else None)
            if single:
                curve.setSymbolSize(5)
                curve.setSymbolBrush(brush)
                curve.setSymbolPen(None)

    def hide(self) -> None:
        self.series = None
        for curve in (self.train, self.val):
            curve.setData([], [])
            curve.setVisible(False)
        self.hide_raw()


class LossPlot(QWidget):
    """Loss curves of the runs given to ``set_runs``."""

    hovered = Signal(int)
    """The epoch under the mouse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(background=BACKGROUND)
        self.plot_widget.setObjectName("loss_plot")
        self.item: pg.PlotItem = self.plot_widget.getPlotItem()
        use_epoch_axis(self.item)
        style_plot(self.item, "Loss", "epoch", "loss")
        self.legend = self.item.addLegend(
            offset=(-10, 10), labelTextColor="#333333", brush=pg.mkBrush(255, 255, 255, 215)
        )
        self.legend.setZValue(1000)  # above the curves
        self.best_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(BEST_COLOUR, width=1, style=Qt.PenStyle.DashLine)
        )
        self.best_line.setVisible(False)
        self.item.addItem(self.best_line, ignoreBounds=True)
        self.cursor_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#777777", style=Qt.PenStyle.DotLine)
        )
        self.cursor_line.setVisible(False)
        self.item.addItem(self.cursor_line, ignoreBounds=True)
        self.best_points = self.item.plot(pen=None, symbol="star", symbolSize=16)
        self.log_box = QCheckBox("Log scale", self)
        self.log_box.setObjectName("log_scale")
        self.smooth_box = QCheckBox("Smoothing", self)
        self.smooth_box.setObjectName("smoothing")
        self.window_box = QSpinBox(self)
        self.window_box.setRange(2, 999)
        self.window_box.setValue(5)
        self.window_box.setSuffix(" epochs")
        self.window_box.setToolTip("Moving-average window")
        self.window_box.setEnabled(False)
        self.readout = QLabel(" ", self)
        self.readout.setObjectName("loss_readout")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        bar.addWidget(self.readout, 1)
        for widget in (self.log_box, self.smooth_box, self.window_box):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)
        self._pool: list[_CurveSet] = []
        self._shown: list[_CurveSet] = []
        self._legend_key: tuple[object, ...] = ()
        self._best: dict[str, tuple[float, float]] = {}
        self.log_box.toggled.connect(self.set_log_scale)
        self.smooth_box.toggled.connect(self._smoothing_toggled)
        self.window_box.valueChanged.connect(lambda _: self._redraw_all())
        self._mouse_proxy = pg.SignalProxy(
            self.plot_widget.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved
        )

    # -- data -------------------------------------------------------------------------

    def set_runs(self, runs: Sequence[RunSeries]) -> None:
        """Draw ``runs`` (one: Peltarion colours and a best-epoch line; more: overlay)."""
        view = self.item.getViewBox()
        view.disableAutoRange()
        while len(self._pool) < len(runs):
            self._pool.append(_CurveSet(self.item))
        single = len(runs) == 1
        for index, curves in enumerate(self._pool):
            if index < len(runs):
                curves.series = runs[index]
                curves.style(index, single)
                curves.train.setVisible(True)
                curves.val.setVisible(True)
            elif curves.series is not None:
                curves.hide()
        self._shown = self._pool[: len(runs)]
        self._update_legend(single)
        self._redraw_all()
        view.enableAutoRange()

    def _update_legend(self, single: bool) -> None:
        if not self._shown:
            return  # keep the last legend for the next runs (rebuilding it is slow)
        if single:
            entries = [(self._shown[0].train, "training"), (self._shown[0].val, "validation"),
                       (self.best_points, "best epoch")]
        else:
            entries = [(c.val, c.series.name if c.series else "") for c in self._shown]
        key = tuple((id(item), name, single) for item, name in entries)
        if key == self._legend_key:
            return
        self._legend_key = key
        self.legend.clear()
        for item, name in entries:
            self.legend.addItem(item, name)

    def update_run(self, run: RunSeries) -> None:
        """Redraw the curves of ``run`` (same key as before) after it grew."""
        for curves in self._shown:
            if curves.series is not None and curves.series.key == run.key:
                curves.series = run
                self._redraw(curves)
                self._redraw_best()
                refit(self.item)

    def runs(self) -> list[RunSeries]:
        """The runs drawn, in order."""
        return [c.series for c in self._shown if c.series is not None]

    def curve_data(self, key: str, which: str) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn for run ``key``: ``which`` is "train", "val" or "best"."""
        for curves in self._shown:
            if curves.series is None or curves.series.key != key:
                continue
            if which == "best":
                point = self._best.get(key)
                if point is None:
                    return np.zeros(0), np.zeros(0)
                return np.array([point[0]]), np.array([point[1]])
            item = curves.train if which == "train" else curves.val
            if item.xData is None:
                return np.zeros(0), np.zeros(0)
            return np.asarray(item.xData), np.asarray(item.yData)
        raise KeyError(key)

    # -- drawing ----------------------------------------------------------------------

    def _redraw_all(self) -> None:
        for curves in self._shown:
            self._redraw(curves)
        self._redraw_best()

    def _redraw(self, curves: _CurveSet) -> None:
        run = curves.series
        if run is None:
            return
        x = run.epochs
        smoothing = self.smooth_box.isChecked()
        window = self.window_box.value()
        raws = curves.raw() if smoothing else (None, None)
        for name, main, raw in (
            ("train_loss", curves.train, raws[0]),
            ("val_loss", curves.val, raws[1]),
        ):
            y = run.column(name)
            main.setData(x, moving_average(y, window) if smoothing else y, connect="finite")
            if raw is not None:
                raw.setVisible(True)
                raw.setData(x, y, connect="finite")
        if not smoothing:
            curves.hide_raw()

    def _redraw_best(self) -> None:
        xs, ys, brushes = [], [], []
        single = len(self._shown) == 1
        self._best = {}
        for index, curves in enumerate(self._shown):
            run = curves.series
            best = run.best_epoch if run is not None else None
            row = run.row_of(best) if run is not None and best is not None else None
            value = run.column("val_loss")[row] if run is not None and row is not None else math.nan
            if best is not None and math.isfinite(value) and run is not None:
                self._best[run.key] = (float(best), float(value))
                xs.append(float(best))
                ys.append(float(value))
                brushes.append(pg.mkBrush(BEST_COLOUR if single else colour(index)))
        brush = pg.mkBrush(BEST_COLOUR) if single else brushes
        self.best_points.setData(
            xs, ys, symbolBrush=brush, symbolPen=pg.mkPen("#1b5e20" if single else "#333333")
        )
        show_line = single and bool(xs)
        self.best_line.setVisible(show_line)
        if show_line:
            self.best_line.setPos(xs[0])

    def set_log_scale(self, on: bool) -> None:
        """Logarithmic loss axis."""
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)
            return
        self.item.setLogMode(y=on)
        self.item.enableAutoRange()

    def set_smoothing(self, on: bool, window: int | None = None) -> None:
        """Moving average of ``window`` epochs (the raw curves stay faint behind)."""
        if window is not None:
            self.window_box.setValue(window)
        self.smooth_box.setChecked(on)

    def _smoothing_toggled(self, on: bool) -> None:
        self.window_box.setEnabled(on)
        self._redraw_all()

    # -- hover read-out ---------------------------------------------------------------

    def _mouse_moved(self, event: tuple[QPointF]) -> None:
        position = event[0]
        if not self.item.sceneBoundingRect().contains(position):
            return
        point = self.item.vb.mapSceneToView(position)
        self.show_readout(int(round(point.x())))

    def show_readout(self, epoch: int) -> str:
        """Show the values at ``epoch`` above the plot; returns the text shown."""
        parts: list[str] = []
        for curves in self._shown[:MAX_READOUT_RUNS]:
            run = curves.series
            row = run.row_of(epoch) if run is not None else None
            if run is None or row is None:
                continue
            train, val = run.column("train_loss")[row], run.column("val_loss")[row]
            label = "" if len(self._shown) == 1 else f"{run.name}: "
            parts.append(f"{label}training {train:.4g} · validation {val:.4g}")
        if not parts:
            self.cursor_line.setVisible(False)
            self.readout.setText(" ")
            return ""
        self.cursor_line.setPos(float(epoch))
        self.cursor_line.setVisible(True)
        text = f"epoch {epoch} — " + "; ".join(parts)
        self.readout.setText(text)
        self.hovered.emit(epoch)
        return text
