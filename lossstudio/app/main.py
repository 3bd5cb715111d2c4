"""Start-up of the desktop app (app layer): ``run_app`` is what ``lossstudio`` calls.

With a project path the window opens it; without one it opens the last project, else
a bundled example, else an empty project with a note in the status bar. A copy left
by a session that did not close normally is offered back once the window shows.
Nothing here imports torch: training imports it when it starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from lossstudio.app.app_settings import APPLICATION, ORGANIZATION, AppSettings
from lossstudio.app.main_window import MainWindow
from lossstudio.io.examples import examples_dir


def ensure_application() -> QApplication:
    """The running ``QApplication`` (created, with the app's names, if needed)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("io.github.lossstudio.LossStudio")
    app.setWindowIcon(QIcon(str(examples_dir().parent / "icons" / "lossstudio.svg")))
    return app


def create_window(project_path: Path | None) -> MainWindow:
    """The window for start-up: the given project, the last one, or an example."""
    if project_path is not None:
        return MainWindow(project_path)
    last = AppSettings().last_project()
    if last is not None and last.is_file():
        window = MainWindow()
        if window.files.open_path(last, confirm=False):
            return window
    else:
        window = MainWindow()
    open_bundled_example(window)
    return window


def open_bundled_example(window: MainWindow) -> bool:
    """Open the default bundled example; say so in the status bar when there is none."""
    from lossstudio.io.examples import example_project

    try:
        path = example_project()
    except (KeyError, OSError):
        window.show_message("No bundled example project was found; "
                            "started with an empty project.")
        return False
    return window.files.open_example(path)


def run_app(project_path: Path | None = None) -> int:
    """Show the main window and run the event loop; returns the exit status."""
    app = ensure_application()
    window = create_window(Path(project_path) if project_path is not None else None)
    window.show()
    QTimer.singleShot(0, window.files.offer_recovery)
    return int(app.exec())
