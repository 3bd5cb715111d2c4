"""One small plot per metric of the task (app layer).

Accuracy, precision, recall and F1 for classification; MAE, MSE, RMSE, MAPE and R² for
regression — whatever metric columns the runs have, validation values per epoch. The
per-label accuracies of a multi-label run share one plot (a curve per label). All plots
live in one ``GraphicsLayoutWidget`` (one scene) in a grid of two columns; runs are
coloured as in the loss plot. Plots and curves are pooled: a plot made
once for a metric is kept and re-placed in the grid, curves get new data and pens, so
showing other runs or a growing run never builds items again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from lossstudio.app.evaluation.pg_setup import (
    BACKGROUND,
    pg,
    refit,
    style_plot,
    use_epoch_axis,
)
from lossstudio.app.evaluation.series import PALETTE, RunSeries, colour, metric_title

COLUMNS = 2
PER_LABEL = "accuracy_label_*"
SINGLE_COLOUR = "#ff7f0e"
CLASSIFICATION = ("accuracy", "precision", "recall", "f1")
REGRESSION = ("mae", "mse", "rmse", "mape", "r2")


def plotted_metrics(runs: Sequence[RunSeries]) -> list[str]:
    """Metric plots to show, in the runs' column order (per-label accuracy grouped)."""
    names: list[str] = []
    for run in runs:
        for name in run.metric_names:
            key = PER_LABEL if name.startswith("accuracy_label_") else name
            if key not in names:
                names.append(key)
    if PER_LABEL in names and len(runs) > 1:
        names.remove(PER_LABEL)  # one curve per label and run would be unreadable
    return names


def _label_columns(run: RunSeries) -> list[str]:
    return [n for n in run.metric_names if n.startswith("accuracy_label_")]


class _MetricPlot:
    """A pooled plot with its pooled curves."""

    def __init__(self, metric: str) -> None:
        title = "Accuracy per label" if metric == PER_LABEL else metric_title(metric)
        self.item = pg.PlotItem()
        use_epoch_axis(self.item)
        style_plot(self.item, title)
        self.item.setMinimumHeight(110)
        self.best_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#2ca02c", width=1, style=Qt.PenStyle.DashLine)
        )
        self.best_line.setVisible(False)
        self.item.addItem(self.best_line, ignoreBounds=True)
        self.curves: list[pg.PlotCurveItem] = []

    def curve(self, index: int) -> pg.PlotCurveItem:
        while len(self.curves) <= index:
            curve = pg.PlotCurveItem()  # lighter than PlotDataItem: overlays need many
            self.item.addItem(curve)
            self.curves.append(curve)
        return self.curves[index]


class MetricPlots(QWidget):
    """A grid of metric plots for the runs given to ``set_runs``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground(BACKGROUND)
        self.layout_widget.setObjectName("metric_plots")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget)
        self._pool: dict[str, _MetricPlot] = {}
        self._shown: list[str] = []
        self._runs: list[RunSeries] = []
        self._slots: dict[tuple[str, str], list[pg.PlotCurveItem]] = {}

    @property
    def metric_keys(self) -> list[str]:
        """The plots shown, by metric name (``accuracy_label_*`` for per-label accuracy)."""
        return list(self._shown)

    def plot_item(self, metric: str) -> pg.PlotItem:
        """The plot of ``metric``."""
        return self._pool[metric].item

    def prepare(self, metrics: Sequence[str]) -> None:
        """Make the plots of ``metrics`` ahead of time (so a run's start does not)."""
        for metric in metrics:
            self._plot(metric)

    def _plot(self, metric: str) -> _MetricPlot:
        plot = self._pool.get(metric)
        if plot is None:
            plot = self._pool[metric] = _MetricPlot(metric)
        return plot

    def set_runs(self, runs: Sequence[RunSeries]) -> None:
        """Show the metric plots of ``runs``."""
        self._runs = list(runs)
        metrics = plotted_metrics(runs) if runs else self._shown  # keep the grid when empty
        if metrics != self._shown:
            self.layout_widget.ci.clear()
            for index, metric in enumerate(metrics):
                item = self._plot(metric).item
                self.layout_widget.ci.addItem(item, row=index // COLUMNS, col=index % COLUMNS)
                item.setParentItem(self.layout_widget.ci)  # owned on the C++ side (see pg_setup)
            self._shown = metrics
        self._slots.clear()
        single = len(runs) == 1
        for metric in self._shown:
            plot = self._pool[metric]
            used = 0
            for index, run in enumerate(runs):
                names = _label_columns(run) if metric == PER_LABEL else [metric]
                slots = []
                for label, _name in enumerate(names):
                    curve = plot.curve(used)
                    used += 1
                    curve.setVisible(True)
                    self._style(curve, metric, index, label, single)
                    slots.append(curve)
                self._slots[(run.key, metric)] = slots
            for curve in plot.curves[used:]:
                curve.setData(x=[], y=[])
                curve.setVisible(False)
        for run in runs:
            self.update_run(run, fit=False)
        for metric in self._shown:
            self._pool[metric].item.enableAutoRange()
            refit(self._pool[metric].item)

    @staticmethod
    def _style(curve: pg.PlotCurveItem, metric: str, index: int, label: int, single: bool) -> None:
        if metric == PER_LABEL:
            curve.setPen(pg.mkPen(PALETTE[label % len(PALETTE)], width=1.5))
            return
        curve.setPen(pg.mkPen(SINGLE_COLOUR if single else colour(index), width=2 if single else 1))

    def update_run(
        self, run: RunSeries, metrics: Sequence[str] | None = None, fit: bool = True
    ) -> None:
        """Redraw the curves of ``run`` after it grew (only in the plots of ``metrics``
        when given)."""
        for index, existing in enumerate(self._runs):
            if existing.key == run.key:
                self._runs[index] = run
        x = run.epochs
        chosen = [m for m in self._shown if metrics is None or m in metrics]
        for metric in chosen:
            slots = self._slots.get((run.key, metric), [])
            names = _label_columns(run) if metric == PER_LABEL else [metric]
            for curve, name in zip(slots, names, strict=False):
                curve.setData(x=x, y=run.column(name), connect="finite")
        best = run.best_epoch if len(self._runs) == 1 else None
        for metric in chosen:
            line = self._pool[metric].best_line
            line.setVisible(best is not None)
            if best is not None:
                line.setPos(float(best))
            if fit:
                refit(self._pool[metric].item)

    def curve_data(self, key: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn for run ``key`` in the plot of ``metric``."""
        curve = self._slots[(key, metric)][0]
        x, y = curve.getData()
        if x is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(x), np.asarray(y)
