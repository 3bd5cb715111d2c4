"""The runs browser: a folder's runs, selection for overlays, and run actions (app layer).

Lists the runs of a folder (the project's ``runs/`` or any folder opened with
"Open runs…") with status, loss, best validation loss, epochs and date, sorted by
any column (newest first at the start). Selecting runs emits ``selection_changed``
(the pane overlays them). Rename (also by editing the name cell), Delete (asks first),
Duplicate experiment and Open architecture act on the selection. A timer re-scans the
folder every second, reading only the ``run.json`` files that changed, so runs written
by another process (``torchrun``) appear and grow by themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lossstudio.app.evaluation.run_store import RunStore
from lossstudio.app.evaluation.runs_model import SORT_ROLE, STARTED, RunsTableModel
from lossstudio.runs import RunFileError, delete_run, rename_run

POLL_MS = 1000


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    """A Yes/No question (No is the default)."""
    answer = QMessageBox.question(
        parent, title, text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class RunsBrowser(QWidget):
    """The runs of one folder, with actions."""

    selection_changed = Signal(list)
    """Paths of the selected runs, in table order."""
    runs_changed = Signal(set)
    """Paths whose ``run.json`` changed on the last scan (new and removed runs too)."""
    duplicate_requested = Signal(object)
    """Path of the run whose project the user wants as a new editable project."""
    architecture_requested = Signal(object)
    export_requested = Signal(object)
    """Export the model of one run (ONNX, TorchScript or Python)."""
    """Path of the run whose model the user wants to see."""
    folder_changed = Signal(object)
    """The folder shown (a ``Path``, or None)."""

    def __init__(self, store: RunStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store or RunStore()
        self.confirm: Callable[[QWidget, str, str], bool] = ask_yes_no
        """Asks before deleting; tests replace it."""
        self.protected: Callable[[Path], bool] = lambda path: False
        """True for a run that must not be deleted (the one training in this window)."""
        self.model = RunsTableModel(self._failure_of, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setObjectName("runs_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(STARTED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        triggers = QAbstractItemView.EditTrigger
        self.table.setEditTriggers(triggers.DoubleClicked | triggers.EditKeyPressed)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(32)  # size columns from a few rows, not all
        header.setStretchLastSection(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.folder_label = QLabel("No runs folder", self)
        self.folder_label.setObjectName("runs_folder")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        self.actions_by_key: dict[str, QAction] = {}
        row = QHBoxLayout()
        for key, text, slot in (
            ("rename", "Rename…", self._rename_selected),
            ("delete", "Delete…", self._delete_selected),
            ("duplicate", "Duplicate experiment", self._duplicate_selected),
            ("architecture", "Architecture", self._architecture_selected),
            ("export", "Export model…", self._export_selected),
        ):
            button = QPushButton(text, self)
            button.setObjectName(f"runs_{key}")
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
            action = QAction(text, self.table)
            action.triggered.connect(slot)
            self.table.addAction(action)
            self.actions_by_key[key] = action
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.model.rename_requested.connect(self.rename_run)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._selected: list[Path] = []
        self._update_buttons()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

    # -- folder -----------------------------------------------------------------------

    def folder(self) -> Path | None:
        """The folder shown."""
        return self.store.folder

    def set_folder(self, folder: Path | None) -> None:
        """Show the runs of ``folder`` (and watch it)."""
        folder = Path(folder).resolve() if folder is not None else None
        if folder == self.store.folder and folder is not None:
            self.refresh()
            return
        self.store.folder = None
        self.model.set_runs([])
        if folder is None:
            self.folder_label.setText("No runs folder")
            self.timer.stop()
        else:
            self.folder_label.setText(f"Runs in {folder}")
            self.store.scan(folder)
            self.refresh()
            self.timer.start()
        self.folder_changed.emit(folder)

    def refresh(self) -> set[Path]:
        """Re-scan the folder (only changed ``run.json`` files are read); returns the
        changed paths."""
        if self.store.folder is None:
            return set()
        summaries, changed = self.store.scan()
        if [s.path for s in summaries] == self.model.paths():
            self.model.set_runs(summaries)  # rows updated in place, selection kept
        else:
            selected = self.selected_paths()
            blocker = self.table.selectionModel().blockSignals(True)
            self.model.set_runs(summaries)
            if self.selected_paths() != selected:  # a model reset forgot the selection
                self._select(selected)
            self.table.selectionModel().blockSignals(blocker)
            if selected != self.selected_paths():
                self._selection_changed()
        if changed:
            self.runs_changed.emit(changed)
        return changed

    # -- selection --------------------------------------------------------------------

    def selected_paths(self) -> list[Path]:
        """Selected runs, in the table's order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        paths = []
        for row in rows:
            source = self.proxy.mapToSource(self.proxy.index(row, 0))
            paths.append(self.model.summary(source.row()).path)
        return paths

    def select_runs(self, paths: Sequence[Path]) -> None:
        """Select exactly ``paths`` (emits ``selection_changed`` once)."""
        model = self.table.selectionModel()
        blocker = model.blockSignals(True)
        self._select(list(paths))
        model.blockSignals(blocker)
        self._selection_changed()

    def _select(self, paths: Sequence[Path]) -> None:
        selection = QItemSelection()
        for path in paths:
            row = self.model.row_of(Path(path))
            if row is None:
                continue
            first = self.proxy.mapFromSource(self.model.index(row, 0))
            last = self.proxy.mapFromSource(self.model.index(row, self.model.columnCount() - 1))
            selection.select(first, last)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().select(selection, flags)
        self.table.viewport().update()

    def _selection_changed(self, *_: object) -> None:
        paths = self.selected_paths()
        if paths == self._selected:
            return
        self._selected = paths
        self._update_buttons()
        self.selection_changed.emit(paths)

    def _update_buttons(self) -> None:
        count = len(self._selected)
        for key in self.buttons:
            enabled = count >= 1 if key == "delete" else count == 1
            self.buttons[key].setEnabled(enabled)
            self.actions_by_key[key].setEnabled(enabled)

    def _failure_of(self, path: Path) -> str | None:
        try:
            return self.store.run(path).failure
        except FileNotFoundError:
            return None

    # -- actions ----------------------------------------------------------------------

    def rename_run(self, path: Path, name: str) -> bool:
        """Rename the run at ``path`` (its folder keeps its id)."""
        try:
            rename_run(path, name)
        except (RunFileError, ValueError, OSError) as error:
            QMessageBox.warning(self, "Rename run", str(error))
            return False
        self.store.forget(path)
        self.refresh()
        return True

    def delete_runs(self, paths: Sequence[Path], confirm: bool = True) -> list[Path]:
        """Delete the runs at ``paths`` after asking; returns the paths deleted."""
        paths = [Path(p) for p in paths if not self.protected(Path(p))]
        if not paths:
            return []
        names = ", ".join(self.store.run(p).name for p in paths[:5])
        more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
        question = f"Delete {len(paths)} run(s) ({names}{more}) with their checkpoints?"
        if confirm and not self.confirm(self, "Delete runs", question):
            return []
        deleted = []
        for path in paths:
            try:
                delete_run(path)
            except (RunFileError, OSError) as error:
                QMessageBox.warning(self, "Delete run", str(error))
                continue
            self.store.forget(path)
            deleted.append(path)
        self.refresh()
        return deleted

    def _rename_selected(self) -> None:
        if len(self._selected) != 1:
            return
        path = self._selected[0]
        current = self.store.run(path).name
        name, accepted = QInputDialog.getText(self, "Rename run", "Name:", text=current)
        if accepted and name.strip():
            self.rename_run(path, name)

    def _delete_selected(self) -> None:
        self.delete_runs(self._selected)

    def _duplicate_selected(self) -> None:
        if len(self._selected) == 1:
            self.duplicate_requested.emit(self._selected[0])

    def _export_selected(self) -> None:
        if len(self._selected) == 1:
            self.export_requested.emit(self._selected[0])

    def _architecture_selected(self) -> None:
        if len(self._selected) == 1:
            self.architecture_requested.emit(self._selected[0])
