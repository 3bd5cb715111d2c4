"""Table model of a folder's runs for the runs browser (app layer).

Rows are ``RunSummary`` values (read from ``run.json`` only); columns: name, status,
loss, best validation loss, epochs, start time. ``set_runs`` updates rows in place
when the same runs are listed again (a running run that grew) and resets the model
when runs appeared or disappeared. The name is editable (renames the run on disk
through ``rename_requested``). Failed runs show their failure as the status tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from lossstudio.runs import RunSummary

HEADERS = ("Name", "Status", "Best val loss", "Epochs", "Started", "Loss")
NAME, STATUS, BEST, EPOCHS, STARTED, LOSS = range(len(HEADERS))
STATUS_COLOURS = {
    "running": "#1565c0",
    "paused": "#ef6c00",
    "failed": "#b00020",
    "stopped": "#6d4c41",
    "corrupt": "#b00020",
}
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


class RunsTableModel(QAbstractTableModel):
    """The runs of one folder."""

    rename_requested = Signal(object, str)
    """Path of a run and the name the user typed."""

    def __init__(self, failure_of: Callable[[Path], str | None] | None = None, parent=None):
        super().__init__(parent)
        self._runs: list[RunSummary] = []
        self._failure_of = failure_of or (lambda path: None)

    # -- content ----------------------------------------------------------------------

    def set_runs(self, runs: Sequence[RunSummary]) -> None:
        """Show ``runs`` (in place when the same paths come in the same order)."""
        runs = list(runs)
        if [r.path for r in runs] == [r.path for r in self._runs]:
            for row, (old, new) in enumerate(zip(self._runs, runs, strict=True)):
                if old != new:
                    self._runs[row] = new
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
            return
        self.beginResetModel()
        self._runs = runs
        self.endResetModel()

    def summary(self, row: int) -> RunSummary:
        """The run in ``row``."""
        return self._runs[row]

    def row_of(self, path: Path) -> int | None:
        """The row of the run at ``path``."""
        for row, run in enumerate(self._runs):
            if run.path == path:
                return row
        return None

    def paths(self) -> list[Path]:
        """Every run's folder, in row order."""
        return [run.path for run in self._runs]

    # -- Qt model ---------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == NAME:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return _text(run, column)
        if role == SORT_ROLE:
            return _sort_key(run, column)
        if role == PATH_ROLE:
            return str(run.path)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            colour = STATUS_COLOURS.get(str(run.status))
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STATUS:
                return self._failure_of(run.path) or run.problem or str(run.status)
            return f"{run.name}\n{run.path}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (BEST, EPOCHS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: _Index, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != NAME:
            return False
        text = str(value).strip()
        run = self._runs[index.row()]
        if not text or text == run.name:
            return False
        self.rename_requested.emit(run.path, text)
        return True


def _text(run: RunSummary, column: int) -> str:
    if column == NAME:
        return run.name
    if column == STATUS:
        return str(run.status)
    if column == LOSS:
        return run.loss or "–"
    if column == BEST:
        return "–" if run.best_val_loss is None else f"{run.best_val_loss:.5g}"
    if column == EPOCHS:
        return "–" if run.epochs_done is None else str(run.epochs_done)
    if run.started is None:
        return "–"
    return f"{run.started.astimezone():%Y-%m-%d %H:%M}"


def _sort_key(run: RunSummary, column: int) -> Any:
    if column == BEST:
        return float("inf") if run.best_val_loss is None else run.best_val_loss
    if column == EPOCHS:
        return -1 if run.epochs_done is None else run.epochs_done
    if column == STARTED:
        return run.started.astimezone(UTC).isoformat() if run.started else ""
    return _text(run, column).lower()
