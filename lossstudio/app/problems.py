"""The problems list: every error and warning of the model (app layer).

One row per problem: severity, block, message (with the fix). Clicking a row asks
the window to select and centre that block.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from lossstudio.app import icons
from lossstudio.core.validator import Analysis, Problem, Severity

NODE_ROLE = Qt.ItemDataRole.UserRole


class ProblemsPanel(QTreeWidget):
    """A table of the validator's problems."""

    block_chosen = Signal(str)
    """The user clicked a problem of this block."""
    counts_changed = Signal(int, int)
    """(errors, warnings) after each update."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Severity", "Block", "Message"])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.problems: tuple[Problem, ...] = ()
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def set_analysis(self, analysis: Analysis) -> None:
        """Show the problems of ``analysis`` (errors first)."""
        problems = tuple(sorted(analysis.problems,
                                key=lambda p: (p.severity is not Severity.ERROR)))
        errors = sum(p.severity is Severity.ERROR for p in problems)
        if problems == self.problems:
            self.counts_changed.emit(errors, len(problems) - errors)
            return
        self.problems = problems
        self.clear()
        rows = []
        for problem in problems:
            error = problem.severity is Severity.ERROR
            item = QTreeWidgetItem(["Error" if error else "Warning", problem.node_id or "—",
                                    problem.message])
            item.setIcon(0, icons.error_icon() if error else icons.warning_icon())
            item.setToolTip(2, f"{problem.message} ({problem.code})")
            item.setData(0, NODE_ROLE, problem.node_id or "")
            rows.append(item)
        self.addTopLevelItems(rows)
        self.counts_changed.emit(errors, len(problems) - errors)

    def row_for(self, node_id: str) -> QTreeWidgetItem | None:
        """The first row about ``node_id``."""
        for index in range(self.topLevelItemCount()):
            item = self.topLevelItem(index)
            if item is not None and item.data(0, NODE_ROLE) == node_id:
                return item
        return None

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        node_id = item.data(0, NODE_ROLE)
        if node_id:
            self.block_chosen.emit(str(node_id))
