"""Per-epoch columns of one run as the plots use them (app layer; numpy, no Qt).

A ``RunSeries`` is what every plot draws: the columns of ``history.csv`` by name, the
run's name, loss, status and best epoch, and the best epoch's predictions. A live run
grows by ``append`` (one ``EpochRecord`` per epoch, amortised O(1)); a saved run is
made from its history columns. ``moving_average`` is the smoothing of the loss plot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lossstudio.runs import BestPredictions, EpochRecord

BASE_COLUMNS = ("epoch", "train_loss", "val_loss")

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
    "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363",
)
"""Distinct colours for overlaid runs (tab10, then tab20b/c darks)."""

METRIC_TITLES = {
    "accuracy": "Accuracy",
    "precision": "Precision (macro)",
    "recall": "Recall (macro)",
    "f1": "F1 (macro)",
    "mae": "MAE",
    "mse": "MSE",
    "rmse": "RMSE",
    "mape": "MAPE (%)",
    "r2": "R²",
}


def metric_title(name: str) -> str:
    """Display title of a metric column."""
    if name.startswith("accuracy_label_"):
        return f"Accuracy, label {name.removeprefix('accuracy_label_')}"
    return METRIC_TITLES.get(name, name.replace("_", " ").capitalize())


def colour(index: int) -> str:
    """The overlay colour of the ``index``-th run."""
    return PALETTE[index % len(PALETTE)]


@dataclass(eq=False)
class RunSeries:
    """The plotted data of one run (saved or live)."""

    key: str
    name: str
    loss: str | None = None
    metric_names: tuple[str, ...] = ()
    status: str = "running"
    path: Path | None = None
    failure: str | None = None
    predictions: BestPredictions | None = None
    stored_best_epoch: int | None = None
    _data: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _size: int = 0

    @classmethod
    def from_columns(
        cls, key: str, name: str, columns: Mapping[str, Sequence[float] | np.ndarray], **info
    ) -> RunSeries:
        """A saved run from its history columns (``epoch``, ``train_loss``, ``val_loss``,
        metrics…); extra keywords fill the other fields."""
        series = cls(key, name, **info)
        size = len(columns["epoch"]) if "epoch" in columns else 0
        for column, values in columns.items():
            if column == "seconds":
                continue
            series._data[column] = np.array(values, dtype=np.float64)
        for column in BASE_COLUMNS:
            series._data.setdefault(column, np.full(size, math.nan))
        series._size = size
        if not series.metric_names:
            series.metric_names = tuple(c for c in columns if c not in (*BASE_COLUMNS, "seconds"))
        return series

    def __len__(self) -> int:
        return self._size

    @property
    def run_id(self) -> str:
        """The run folder's name (the key while a live run has no folder yet)."""
        return self.path.name if self.path is not None else self.key

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names held."""
        return tuple(self._data)

    def column(self, name: str) -> np.ndarray:
        """Column ``name`` (a view of the filled part; NaN-filled if the run lacks it)."""
        values = self._data.get(name)
        if values is None:
            return np.full(self._size, math.nan)
        return values[: self._size]

    @property
    def epochs(self) -> np.ndarray:
        """The epoch numbers (1-based) as floats."""
        return self.column("epoch")

    def append(self, record: EpochRecord) -> None:
        """Add a finished epoch (a live run)."""
        values = {
            "epoch": float(record.epoch),
            "train_loss": record.train_loss,
            "val_loss": record.val_loss,
            **record.metrics,
        }
        if self._size == 0 and not self.metric_names:
            self.metric_names = tuple(record.metrics)
        for name in (*BASE_COLUMNS, *self.metric_names):
            self._grow(name)[self._size] = values.get(name, math.nan)
        self._size += 1

    def _grow(self, name: str) -> np.ndarray:
        values = self._data.get(name)
        if values is None:
            values = np.full(max(16, self._size * 2), math.nan)
            self._data[name] = values
        elif len(values) <= self._size:
            bigger = np.full(max(16, len(values) * 2), math.nan)
            bigger[: len(values)] = values
            self._data[name] = values = bigger
        return values

    @property
    def best_epoch(self) -> int | None:
        """Epoch of the lowest finite validation loss (from run.json when it says)."""
        if self.stored_best_epoch is not None:
            return self.stored_best_epoch
        return self.history_best_epoch()

    def history_best_epoch(self) -> int | None:
        """Epoch of the lowest finite validation loss in the columns (first on ties)."""
        val = self.column("val_loss")
        finite = np.isfinite(val)
        if not finite.any():
            return None
        return int(self.epochs[int(np.argmin(np.where(finite, val, np.inf)))])

    def row_of(self, epoch: int) -> int | None:
        """Row index of ``epoch``, or None."""
        epochs = self.epochs
        if len(epochs) == 0:
            return None
        index = int(np.searchsorted(epochs, epoch))
        if index < len(epochs) and epochs[index] == epoch:
            return index
        hits = np.nonzero(epochs == epoch)[0]
        return int(hits[0]) if len(hits) else None


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average over ``window`` epochs, ignoring NaN (window 1: a copy)."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values.copy()
    finite = np.isfinite(values)
    sums = np.cumsum(np.where(finite, values, 0.0))
    counts = np.cumsum(finite.astype(np.float64))
    sums[window:] = sums[window:] - sums[:-window]
    counts[window:] = counts[window:] - counts[:-window]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)
