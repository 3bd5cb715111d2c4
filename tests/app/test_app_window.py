"""The main window: its parts, hooks for scripts, shortcuts, start-up without torch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from app_helpers import build_model, settle
from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QApplication, QGraphicsItem

from lossstudio.app import MainWindow
from lossstudio.app.canvas import BlockState
from lossstudio.core.errors import GraphError, PortOccupiedError


def test_window_parts_and_hooks(window: MainWindow) -> None:
    assert window.views is window.centralWidget()
    assert window.views.widget(0) is window.canvas
    assert window.views.tabText(0) == "Modeling" and window.views.tabText(1) == "Evaluation"
    assert isinstance(window.undo_stack, QUndoStack)
    assert window.palette_dock.widget() is window.block_palette
    assert window.properties_dock.widget() is window.properties
    assert window.problems_dock.widget() is window.problems
    node_id = window.project.add("dense", units=64)
    item = window.canvas.item_for(node_id)
    assert isinstance(item, QGraphicsItem)
    assert window.undo_stack.count() == 1
    assert window.windowTitle() == "Untitled[*] — LossStudio"
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert node_id not in window.project.graph.nodes
    assert not window.isWindowModified()


def test_standard_shortcuts(window: MainWindow) -> None:
    actions = window.actions_
    key = QKeySequence.StandardKey
    expected = {
        actions.new: key.New, actions.open: key.Open, actions.save: key.Save,
        actions.undo: key.Undo, actions.redo: key.Redo, actions.cut: key.Cut,
        actions.copy: key.Copy, actions.paste: key.Paste, actions.select_all: key.SelectAll,
        actions.zoom_in: key.ZoomIn, actions.zoom_out: key.ZoomOut,
    }
    for action, standard in expected.items():
        bindings = QKeySequence.keyBindings(standard)
        assert bindings and action.shortcuts()[: len(bindings)] == bindings, action.text()
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Run"]


def test_occupied_port_from_a_script_is_refused(window: MainWindow) -> None:
    ids = build_model(window.project)
    count = window.undo_stack.count()
    with pytest.raises(PortOccupiedError):
        window.project.connect(ids["input"], ids["last"], 0)
    assert window.undo_stack.count() == count


def test_cycle_from_a_script_is_refused(window: MainWindow) -> None:
    project = window.project
    a, b = project.add("dense"), project.add("dense")
    project.connect(a, b)
    count = window.undo_stack.count()
    with pytest.raises(GraphError, match="cycle"):
        project.connect(b, a)
    assert window.undo_stack.count() == count
    assert len(window.scene.links) == 1


def test_status_bar_summary_and_training_refusal(window: MainWindow) -> None:
    settle(window)
    assert "error" in window.summary_label.text()  # empty model: no Target
    ids = build_model(window.project, loss="mean_squared_error", last_activation="linear")
    settle(window)
    assert window.training_refusal() is None
    assert window.summary_label.text() == "✔ Ready to train"
    window.project.set(ids["target"], loss="poisson")
    settle(window)
    refusal = window.training_refusal()
    assert refusal is not None and "Poisson" in refusal
    assert window.canvas.item_for(ids["last"]).state is BlockState.ERROR


def test_run_app_shows_the_window_and_returns(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lossstudio.app import main as app_main

    shown: list[MainWindow] = []

    def close_soon() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                shown.append(widget)
                widget.undo_stack.setClean()
                widget.close()
        QApplication.quit()

    app = QApplication.instance()
    quits_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # one quit only: a second would stay queued
    try:
        QTimer.singleShot(50, close_soon)
        assert app_main.run_app(None) == 0
    finally:
        app.setQuitOnLastWindowClosed(quits_on_close)
    assert shown


def test_importing_the_app_and_opening_a_window_does_not_import_torch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        f"os.environ['LOSSSTUDIO_CONFIG_DIR'] = {str(tmp_path)!r}\n"
        "from lossstudio.app.main import ensure_application, create_window\n"
        "app = ensure_application()\n"
        "window = create_window(None)\n"
        "window.show(); app.processEvents()\n"
        "print('torch' in sys.modules, 'lossstudio.engine' in sys.modules)\n"
        "window.undo_stack.setClean(); window.close()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
