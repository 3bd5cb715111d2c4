"""Fixtures of the app tests: offscreen Qt, isolated settings, windows that close.

``QT_QPA_PLATFORM`` is set before Qt is imported. Every test gets its own settings
folder (``LOSSSTUDIO_CONFIG_DIR``) and Qt's test-mode standard paths, so nothing is
written to the user's configuration. A test that leaves a top-level window open fails.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import shiboken6  # noqa: E402
from app_helpers import FakeDialogs  # noqa: E402
from PySide6.QtCore import QStandardPaths  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from lossstudio.app import MainWindow  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      qapp: QApplication) -> Iterator[Path]:
    """A private settings and autosave folder for each test."""
    folder = tmp_path / "config"
    monkeypatch.setenv("LOSSSTUDIO_CONFIG_DIR", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    QStandardPaths.setTestModeEnabled(True)
    qapp.setOrganizationName("LossStudioTest")
    qapp.setApplicationName("LossStudioTest")
    yield folder


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level window open (and close it)."""
    yield
    qapp.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets()
              if shiboken6.isValid(w) and w.isVisible()]
    for widget in leaked:
        if isinstance(widget, MainWindow):
            widget.dialogs = FakeDialogs()  # type: ignore[assignment]
        widget.close()
    if leaked:
        names = ", ".join(type(w).__name__ for w in leaked)
        pytest.fail(f"the test left top-level windows open: {names}")


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot) -> Iterator[WindowFactory]:  # type: ignore[no-untyped-def]
    """Build shown main windows whose dialogs answer by themselves."""
    made: list[MainWindow] = []

    def make(path: Path | None = None) -> MainWindow:
        window = MainWindow(path)
        window.dialogs = FakeDialogs()  # type: ignore[assignment]
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        if shiboken6.isValid(window):
            window.dialogs = FakeDialogs()  # type: ignore[assignment]
            window.close()


@pytest.fixture
def window(make_window: WindowFactory) -> MainWindow:
    """One empty main window."""
    return make_window()
