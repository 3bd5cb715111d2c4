"""The undo stack bridge: every project edit becomes a ``QUndoCommand`` (app layer).

``UndoBridge`` is installed as the project's ``edit_sink``. Each edit is applied at
once (so a refused edit raises to its caller and never reaches the stack), then
pushed as an ``EditCommand`` whose undo/redo call ``revert``/``apply``. Consecutive
``SetParams`` of the same parameters made while a gesture is open (a spin-box drag)
merge into one step; a step is sealed when the gesture ends or the user undoes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from lossstudio.core.edits import Edit, SetParams

if TYPE_CHECKING:
    from lossstudio.project import Project

SET_PARAMS_ID = 1


class EditCommand(QUndoCommand):
    """One undoable edit of the project's graph."""

    def __init__(self, project: Project, edit: Edit, mergeable: bool) -> None:
        super().__init__(edit.label)
        self.project = project
        self.edit = edit
        self.sealed = not mergeable
        self._already_applied = True

    def redo(self) -> None:
        if self._already_applied:
            self._already_applied = False
            return
        self.edit.apply(self.project.graph)

    def undo(self) -> None:
        self.edit.revert(self.project.graph)

    def id(self) -> int:
        return SET_PARAMS_ID if isinstance(self.edit, SetParams) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if self.sealed or not isinstance(other, EditCommand) or other.sealed:
            return False
        if not self.edit.merge(other.edit):
            return False
        self.setText(self.edit.label)
        if isinstance(self.edit, SetParams) and self.edit.new == self.edit.old:
            self.setObsolete(True)
        return True


class UndoBridge(QObject):
    """Routes a project's edits through a ``QUndoStack``."""

    def __init__(self, stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = stack
        self.project: Project | None = None
        self._mergeable = False
        self._pushing = False
        stack.indexChanged.connect(self._index_changed)

    def attach(self, project: Project) -> None:
        """Make ``project``'s edits undoable (and release the previous project)."""
        if self.project is not None and self.project.edit_sink == self.sink:
            self.project.edit_sink = None
        self.project = project
        project.edit_sink = self.sink

    def sink(self, edit: Edit) -> None:
        """Apply ``edit`` and push it (the project's ``edit_sink``)."""
        assert self.project is not None
        edit.apply(self.project.graph)
        command = EditCommand(self.project, edit, self._mergeable)
        self._pushing = True
        try:
            self.stack.push(command)
        finally:
            self._pushing = False

    @contextmanager
    def mergeable(self) -> Iterator[None]:
        """Edits made inside may merge with the previous step of the same gesture."""
        self._mergeable = True
        try:
            yield
        finally:
            self._mergeable = False

    def seal(self) -> None:
        """End the current gesture: the next edit starts a new undo step."""
        index = self.stack.index()
        if index > 0:
            command = self.stack.command(index - 1)
            if isinstance(command, EditCommand):
                command.sealed = True

    def _index_changed(self, index: int) -> None:
        if not self._pushing and shiboken6.isValid(self.stack):
            self.seal()
