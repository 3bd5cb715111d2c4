"""The open document: the live project, its undo stack and its validation (app layer).

``Document`` is the one owner of the project the window shows. It installs the undo
bridge as the project's ``edit_sink``, forwards the graph's events as a Qt signal
(so views need not re-subscribe when another project is opened) and schedules the
validator after each burst of events; a project's dataset is read in the background.
Opening another project replaces all of them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from lossstudio.app.data_loader import DataLoader
from lossstudio.app.undo import UndoBridge
from lossstudio.app.validation import ValidationScheduler
from lossstudio.core.graph import GraphEvent
from lossstudio.core.validator import Analysis
from lossstudio.project import Project


class Document(QObject):
    """The project being edited, with undo and live validation."""

    graph_changed = Signal(object)
    """A ``GraphEvent`` of the current project's graph (emitted synchronously)."""
    project_replaced = Signal()
    """Another project was installed (opened, new, recovered)."""
    name_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.bridge = UndoBridge(self.undo_stack, self)
        self.validation = ValidationScheduler(lambda: self.project, self)
        self.data_loader = DataLoader(lambda: self.project, self)
        self.data_loader.loaded.connect(self.validation.schedule)
        self.project = Project()
        self.display_name = "Untitled"
        self._attach(self.project)
        self.graph_changed.connect(self.validation.schedule)

    def _attach(self, project: Project) -> None:
        self.bridge.attach(project)
        project.graph.subscribe(self._forward)

    def _forward(self, event: GraphEvent) -> None:
        self.graph_changed.emit(event)

    def set_project(self, project: Project, name: str | None = None,
                    modified: bool = False) -> None:
        """Show ``project`` instead of the current one (undo history is cleared)."""
        old = self.project
        old.graph.unsubscribe(self._forward)
        if old.edit_sink == self.bridge.sink:
            old.edit_sink = None
        self.undo_stack.clear()
        self.project = project
        self._attach(project)
        self.display_name = name or (project.path.stem if project.path else "Untitled")
        self.project_replaced.emit()
        self.validation.reset()
        self.data_loader.load(project)
        if modified:
            self.undo_stack.resetClean()
        self.name_changed.emit(self.display_name)

    def rename(self, name: str) -> None:
        """Show the document under ``name`` (after Save As)."""
        self.display_name = name
        self.name_changed.emit(name)

    @property
    def path(self) -> Path | None:
        """The project's file, if it has one."""
        return self.project.path

    def is_modified(self) -> bool:
        """True when there are changes since the last save (or open)."""
        return not self.undo_stack.isClean()

    def mark_modified(self) -> None:
        """Note a change made outside the undo stack (a run setting) as unsaved."""
        self.undo_stack.resetClean()

    def revalidate(self) -> None:
        """Validate again although the graph did not change (the dataset did)."""
        self.validation.schedule()

    def analysis(self) -> Analysis:
        """The current report (computed now if a pass is pending)."""
        return self.validation.flush()

    def training_refusal(self) -> str | None:
        """Why training cannot start now (an error stands), or ``None``."""
        errors = [p for p in self.analysis().problems if p.severity == "error"]
        if not errors:
            return None
        first = errors[0]
        where = f" ({first.node_id})" if first.node_id else ""
        more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
        return f"Fix the model before training: {first.message}{where}{more}"
