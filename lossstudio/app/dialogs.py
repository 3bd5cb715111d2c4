"""The questions and messages the app puts to the user (app layer).

All modal interaction goes through one ``Dialogs`` object, so the window code stays
testable: tests (and embedding scripts) replace ``window.dialogs`` with an object that
answers without a person. Error messages name the problem; they never show a
traceback.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PROJECT_FILTER = "LossStudio projects (*.lsproj);;All files (*)"


class Answer(StrEnum):
    """What to do with unsaved changes."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Dialogs:
    """Real dialogs, parented to the main window."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.last_error: QMessageBox | None = None
        self.messages: list[str] = []

    def error(self, title: str, message: str) -> None:
        """Tell the user what went wrong (window-modal, does not block the caller)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          QMessageBox.StandardButton.Ok, self.parent)
        box.setObjectName("error_dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_error = box
        self.messages.append(message)
        box.open()

    def ask_unsaved(self, name: str) -> Answer:
        """Save, discard or cancel before the changes to ``name`` are lost."""
        box = QMessageBox(
            QMessageBox.Icon.Question, "Unsaved changes",
            f"“{name}” has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, self.parent,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        choice = box.exec()
        if choice == QMessageBox.StandardButton.Save:
            return Answer.SAVE
        if choice == QMessageBox.StandardButton.Discard:
            return Answer.DISCARD
        return Answer.CANCEL

    def ask_recover(self, description: str) -> bool:
        """Offer to restore the autosaved copy of a session that did not close."""
        choice = QMessageBox.question(
            self.parent, "Recover unsaved work",
            f"LossStudio did not close normally last time. Recover {description}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return choice == QMessageBox.StandardButton.Yes

    def choose_open_path(self, folder: Path) -> Path | None:
        """A project file to open, or ``None``."""
        name, _ = QFileDialog.getOpenFileName(self.parent, "Open project", str(folder),
                                              PROJECT_FILTER)
        return Path(name) if name else None

    def choose_save_path(self, suggestion: Path) -> Path | None:
        """Where to save the project, or ``None``."""
        name, _ = QFileDialog.getSaveFileName(self.parent, "Save project as",
                                              str(suggestion), PROJECT_FILTER)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".lsproj")
