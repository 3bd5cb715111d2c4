"""Table model of a folder's runs for the runs browser (app layer).

Rows are ``RunSummary`` values (read from ``run.json`` only); columns: name, status,
best validation loss, epochs, start time, loss. The cells are ``QStandardItem``s, so
painting, sorting and sizing the table never call into Python: a table repainted
while a run trains does not compete with the training thread for the GIL.
``set_runs`` updates changed rows in place (a running run that grew) and inserts or
removes the rows of runs that appeared or disappeared, so views keep their selection
and scroll position. The name is editable (renames the run on disk through
``rename_requested``). Failed runs show their failure as the status tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel

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
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_READ_ONLY = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
_EDITABLE = _READ_ONLY | Qt.ItemFlag.ItemIsEditable

_Index = QModelIndex | QPersistentModelIndex


class RunsTableModel(QStandardItemModel):
    """The runs of one folder."""

    rename_requested = Signal(object, str)
    """Path of a run and the name the user typed."""

    def __init__(
        self,
        failure_of: Callable[[Path], str | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(list(HEADERS))
        self._runs: list[RunSummary] = []
        self._failure_of = failure_of or (lambda path: None)

    # -- content ----------------------------------------------------------------------

    def set_runs(self, runs: Sequence[RunSummary]) -> None:
        """Show ``runs``: rows that appeared or disappeared are inserted or removed and
        changed rows are updated in place; the rows are rebuilt only when the order of
        the remaining ones changed."""
        runs = list(runs)
        wanted = {run.path for run in runs}
        for row in reversed(range(len(self._runs))):
            if self._runs[row].path not in wanted:
                del self._runs[row]
                self.removeRow(row)
        kept = {run.path for run in self._runs}
        if [run.path for run in runs if run.path in kept] != [run.path for run in self._runs]:
            self.removeRows(0, self.rowCount())
            self._runs = []
            kept = set()
        for row, run in enumerate(runs):
            if run.path not in kept:
                self._runs.insert(row, run)
                self.insertRow(row, self._items(run))
            elif self._runs[row] != run:
                self._runs[row] = run
                for column, item in enumerate(self._items(run)):
                    self._update(self.item(row, column), item)

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

    # -- cells ------------------------------------------------------------------------

    def _items(self, run: RunSummary) -> list[QStandardItem]:
        """The cells of ``run``'s row."""
        items = []
        tooltip = f"{run.name}\n{run.path}"
        for column in range(len(HEADERS)):
            item = QStandardItem(_text(run, column))
            item.setFlags(_EDITABLE if column == NAME else _READ_ONLY)
            item.setData(_sort_key(run, column), SORT_ROLE)
            item.setData(str(run.path), PATH_ROLE)
            item.setToolTip(tooltip)
            if column in (BEST, EPOCHS):
                item.setData(_RIGHT, Qt.ItemDataRole.TextAlignmentRole)
            items.append(item)
        status = items[STATUS]
        colour = STATUS_COLOURS.get(str(run.status))
        if colour:
            status.setForeground(QColor(colour))
        failure = self._failure_of(run.path) if run.status == "failed" else None
        status.setToolTip(failure or run.problem or str(run.status))
        return items

    @staticmethod
    def _update(item: QStandardItem | None, new: QStandardItem) -> None:
        """Give ``item`` the content of ``new`` (each changed role emits one update)."""
        if item is None:
            return
        for role in (
            Qt.ItemDataRole.DisplayRole,
            SORT_ROLE,
            PATH_ROLE,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            value = new.data(role)
            if item.data(role) != value:
                item.setData(value, role)

    # -- editing ----------------------------------------------------------------------

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """An edited name asks for a rename (the row changes when the rename is done)."""
        if role != Qt.ItemDataRole.EditRole or index.column() != NAME:
            return super().setData(index, value, role)
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
