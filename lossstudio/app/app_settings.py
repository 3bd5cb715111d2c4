"""Persisted user settings: window geometry, recent files, last project (app layer).

Settings live in ``QSettings`` (an INI file). ``LOSSSTUDIO_CONFIG_DIR``, when set,
puts the settings file and the autosave folder inside that folder instead of the
user's configuration — what the tests and benchmarks use so they never touch the
real configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, QStandardPaths

CONFIG_ENV = "LOSSSTUDIO_CONFIG_DIR"
ORGANIZATION = "LossStudio"
APPLICATION = "LossStudio"
MAX_RECENT = 8


def config_dir() -> Path | None:
    """The override folder from ``LOSSSTUDIO_CONFIG_DIR``, if set."""
    value = os.environ.get(CONFIG_ENV)
    return Path(value) if value else None


def data_dir() -> Path:
    """Where the app keeps its own files (autosave copies)."""
    override = config_dir()
    if override is not None:
        return override
    location = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppLocalDataLocation)
    if location and QCoreApplication.applicationName():
        return Path(location)
    return Path.home() / ".local" / "share" / APPLICATION


class AppSettings:
    """Typed access to the persisted settings."""

    def __init__(self) -> None:
        override = config_dir()
        if override is not None:
            override.mkdir(parents=True, exist_ok=True)
            self.qsettings = QSettings(str(override / "lossstudio.ini"),
                                       QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                       ORGANIZATION, APPLICATION)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self.qsettings.sync()

    # --- recent files ------------------------------------------------------------
    def recent_files(self) -> list[Path]:
        """Recently opened or saved projects, newest first."""
        value = self.qsettings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [Path(str(item)) for item in value if item][:MAX_RECENT]

    def add_recent(self, path: Path) -> None:
        """Put ``path`` first in the recent files."""
        resolved = path.resolve()
        files = [resolved, *(item for item in self.recent_files() if item != resolved)]
        self.qsettings.setValue("files/recent", [str(item) for item in files[:MAX_RECENT]])

    def remove_recent(self, path: Path) -> None:
        """Forget ``path`` (it could not be opened)."""
        files = [item for item in self.recent_files() if item != path]
        self.qsettings.setValue("files/recent", [str(item) for item in files])

    def clear_recent(self) -> None:
        """Forget all recent files."""
        self.qsettings.setValue("files/recent", [])

    # --- last project ------------------------------------------------------------
    def last_project(self) -> Path | None:
        """The project that was open when the app last closed."""
        value = self.qsettings.value("files/last_project", "")
        return Path(str(value)) if value else None

    def set_last_project(self, path: Path | None) -> None:
        """Remember the project to open next time."""
        self.qsettings.setValue("files/last_project", str(path) if path else "")

    def last_folder(self) -> Path:
        """Where file dialogs start."""
        value = self.qsettings.value("files/last_folder", "")
        return Path(str(value)) if value else Path.home()

    def set_last_folder(self, folder: Path) -> None:
        """Remember where file dialogs start."""
        self.qsettings.setValue("files/last_folder", str(folder))

    # --- window ------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """The saved window geometry and dock layout."""
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value("window/state")
        return (geometry if isinstance(geometry, QByteArray) else None,
                state if isinstance(state, QByteArray) else None)

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the window geometry and dock layout."""
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)
