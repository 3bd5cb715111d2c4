"""Files: new, open, save, save as, recent files and crash recovery (app layer).

Opening reads the file as ``Project.load`` does (the dataset is then read in the
background); a file it cannot read gives a dialog naming the problem and leaves the
current project as it was. Closing or replacing a
project with unsaved changes asks first. While there are unsaved changes an autosave
copy is written every minute beside a note of the original file; a copy left by a
session that did not close normally is offered back on the next start.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from lossstudio.app.app_settings import AppSettings, data_dir
from lossstudio.app.dialogs import Answer, Dialogs
from lossstudio.io.errors import ProjectFileError
from lossstudio.io.project_file import write_project
from lossstudio.project import Project

if TYPE_CHECKING:
    from lossstudio.app.document import Document

AUTOSAVE_INTERVAL_MS = 60_000
EXAMPLE_SUFFIX = " (example)"
"""Ends the name of a bundled example opened as an untitled copy."""
_WINDOW_NUMBERS = itertools.count(1)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class FileController(QObject):
    """The File menu's work for one document."""

    message_posted = Signal(str)
    recent_changed = Signal()

    def __init__(self, document: Document, settings: AppSettings, dialogs: Dialogs,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.dialogs = dialogs
        self.autosave_dir = data_dir() / "autosave"
        number = next(_WINDOW_NUMBERS)
        self.autosave_path = self.autosave_dir / f"autosave-{os.getpid()}-{number}.lsproj"
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self._timer.timeout.connect(self.autosave_now)
        self._timer.start()
        document.undo_stack.cleanChanged.connect(self._clean_changed)

    # --- asking first ------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """True when the current project may be replaced (saved or discarded)."""
        if not self.document.is_modified():
            return True
        answer = self.dialogs.ask_unsaved(self.document.display_name)
        if answer == Answer.SAVE:
            return self.save()
        return answer == Answer.DISCARD

    # --- new and open ------------------------------------------------------------
    def new_project(self) -> bool:
        """Start an empty project (asks about unsaved changes first)."""
        if not self.confirm_discard():
            return False
        self.document.set_project(Project())
        self.message_posted.emit("New project")
        return True

    def open_dialog(self) -> bool:
        """Ask for a project file and open it."""
        if not self.confirm_discard():
            return False
        path = self.dialogs.choose_open_path(self.settings.last_folder())
        return self.open_path(path, confirm=False) if path is not None else False

    def open_path(self, path: str | os.PathLike[str], confirm: bool = True) -> bool:
        """Open ``path``; on any problem show a dialog and keep the current project."""
        if confirm and not self.confirm_discard():
            return False
        project = self._load(Path(path), "Cannot open the project")
        if project is None:
            return False
        self.document.set_project(project)
        self._remember(Path(path))
        self._report_dataset(project)
        return True

    def open_example(self, path: Path) -> bool:
        """Open a bundled example as an untitled copy (saving asks where)."""
        project = self._load(path, "Cannot open the example")
        if project is None:
            return False
        project.path = None
        self.document.set_project(project, name=f"{path.stem}{EXAMPLE_SUFFIX}")
        self._report_dataset(project)
        return True

    def open_recent(self, path: Path) -> bool:
        """Open a recent file; forget it when it is gone."""
        if not self.confirm_discard():
            return False
        if not self.open_path(path, confirm=False):
            self.settings.remove_recent(path)
            self.recent_changed.emit()
            return False
        return True

    def _load(self, path: Path, title: str) -> Project | None:
        try:
            return Project.load(path, load_data=False)
        except ProjectFileError as error:
            self.dialogs.error(title, str(error))
        except Exception as error:  # noqa: BLE001 - any failure becomes a dialog
            self.dialogs.error(title, f"{path}: {error}")
        return None

    def _report_dataset(self, project: Project) -> None:
        reading = "; reading its dataset…" if self.document.data_loader.pending else ""
        self.message_posted.emit(f"Opened {self.document.display_name}{reading}")

    def _remember(self, path: Path) -> None:
        self.settings.add_recent(path)
        self.settings.set_last_project(path.resolve())
        self.settings.set_last_folder(path.resolve().parent)
        self.recent_changed.emit()

    # --- save ----------------------------------------------------------------------
    def save(self) -> bool:
        """Save to the project's file (asks where when it has none)."""
        path = self.document.path
        return self.save_as() if path is None else self.save_to(path)

    def save_as(self) -> bool:
        """Ask where, then save there."""
        stem = self.document.display_name.removesuffix(EXAMPLE_SUFFIX)
        suggestion = (self.document.path or self.settings.last_folder() / f"{stem}.lsproj")
        path = self.dialogs.choose_save_path(suggestion)
        return self.save_to(path) if path is not None else False

    def save_to(self, path: str | os.PathLike[str]) -> bool:
        """Save to ``path``; a problem gives a dialog and leaves the changes unsaved."""
        target = Path(path)
        try:
            self.document.project.save(target)
        except (ProjectFileError, OSError, ValueError) as error:
            self.dialogs.error("Cannot save the project", str(error))
            return False
        self.document.undo_stack.setClean()
        self.document.rename(target.stem)
        self._remember(target)
        self.discard_autosave()
        self.message_posted.emit(f"Saved {target}")
        return True

    # --- autosave and recovery ---------------------------------------------------
    def _meta_path(self, autosave: Path) -> Path:
        return autosave.with_suffix(".json")

    def autosave_now(self) -> Path | None:
        """Write the autosave copy when there are unsaved changes."""
        if not self.document.is_modified():
            return None
        try:
            self.autosave_dir.mkdir(parents=True, exist_ok=True)
            write_project(self.document.project, self.autosave_path)
            meta = {"pid": os.getpid(), "saved": time.time(),
                    "original": str(self.document.path) if self.document.path else None,
                    "name": self.document.display_name}
            self._meta_path(self.autosave_path).write_text(json.dumps(meta), encoding="utf-8")
        except (ProjectFileError, OSError) as error:
            self.message_posted.emit(f"Autosave failed: {error}")
            return None
        return self.autosave_path

    def discard_autosave(self) -> None:
        """Remove this session's autosave copy (the work is saved or thrown away)."""
        for path in (self.autosave_path, self._meta_path(self.autosave_path)):
            path.unlink(missing_ok=True)

    def _clean_changed(self, clean: bool) -> None:
        if clean:
            self.discard_autosave()

    def recoverable(self) -> list[tuple[Path, dict[str, Any]]]:
        """Autosave copies left by sessions that are no longer running, newest first."""
        found: list[tuple[Path, dict[str, Any]]] = []
        if not self.autosave_dir.is_dir():
            return found
        for path in self.autosave_dir.glob("autosave-*.lsproj"):
            try:
                meta = json.loads(self._meta_path(path).read_text(encoding="utf-8"))
                pid = int(meta.get("pid", 0))
            except (OSError, ValueError, AttributeError):
                meta, pid = {}, 0
            if pid and _process_alive(pid):
                continue
            found.append((path, meta if isinstance(meta, dict) else {}))
        found.sort(key=lambda item: float(item[1].get("saved", 0) or 0), reverse=True)
        return found

    def offer_recovery(self) -> bool:
        """Offer the newest left-over autosave copy; True when it was restored."""
        candidates = self.recoverable()
        if not candidates:
            return False
        path, meta = candidates[0]
        name = str(meta.get("name") or "an unsaved project")
        restored = False
        if self.dialogs.ask_recover(f"the unsaved changes to “{name}”"):
            project = self._load(path, "Cannot recover the autosaved project")
            if project is not None:
                original = meta.get("original")
                project.path = Path(original) if original else None
                self.document.set_project(project, name=name, modified=True)
                self.message_posted.emit(f"Recovered the unsaved changes to {name}")
                restored = True
        for stale, _ in candidates:
            for leftover in (stale, self._meta_path(stale)):
                leftover.unlink(missing_ok=True)
        if restored:
            self.autosave_now()
        return restored
