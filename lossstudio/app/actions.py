"""Menus, toolbar and keyboard shortcuts of the main window (app layer).

Standard actions use ``QKeySequence.StandardKey`` so each platform gets its usual
keys. The Open Recent menu is rebuilt each time it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QToolButton

if TYPE_CHECKING:
    from lossstudio.app.main_window import MainWindow

Key = QKeySequence.StandardKey


class WindowActions:
    """Every action of the main window, with its menus and toolbar."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        files, editing, view = window.files, window.editing, window.canvas
        stack = window.undo_stack
        icon = window.style().standardIcon
        self.new = self._action("&New", files.new_project, Key.New,
                                icon(QStyle.StandardPixmap.SP_FileIcon))
        self.open = self._action("&Open…", files.open_dialog, Key.Open,
                                 icon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.save = self._action("&Save", files.save, Key.Save,
                                 icon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.save_as = self._action("Save &As…", files.save_as, Key.SaveAs)
        self.quit = self._action("&Quit", window.close, Key.Quit)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.undo = stack.createUndoAction(window, "&Undo")
        self.undo.setShortcuts(QKeySequence.keyBindings(Key.Undo))
        self.undo.setIcon(icon(QStyle.StandardPixmap.SP_ArrowBack))
        self.redo = stack.createRedoAction(window, "&Redo")
        self.redo.setShortcuts(QKeySequence.keyBindings(Key.Redo))
        self.redo.setIcon(icon(QStyle.StandardPixmap.SP_ArrowForward))
        self.cut = self._action("Cu&t", editing.cut, Key.Cut)
        self.copy = self._action("&Copy", editing.copy, Key.Copy)
        self.paste = self._action("&Paste", editing.paste, Key.Paste)
        self.delete = self._action("&Delete", editing.delete, Key.Delete,
                                   icon(QStyle.StandardPixmap.SP_TrashIcon))
        self.delete.setShortcuts([*QKeySequence.keyBindings(Key.Delete),
                                  QKeySequence(Qt.Key.Key_Backspace)])
        self.select_all = self._action("Select &All", editing.select_all, Key.SelectAll)
        self.zoom_in = self._action("Zoom &In", view.zoom_in, Key.ZoomIn)
        self.zoom_out = self._action("Zoom &Out", view.zoom_out, Key.ZoomOut)
        self.zoom_fit = self._action("&Fit to View", view.zoom_fit, None)
        self.zoom_fit.setShortcut(QKeySequence("Ctrl+0"))
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        for action in (self.cut, self.copy, self.paste, self.delete, self.select_all):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            view.addAction(action)
        separator = QAction(window)
        separator.setSeparator(True)
        view.addActions([separator, self.zoom_fit])  # the canvas's right-click menu
        self._menus()
        self._toolbar()

    def _action(self, text: str, slot: Callable[[], object], key: Key | None,
                icon: QIcon | None = None) -> QAction:
        action = QAction(text, self.window)
        if key is not None:
            action.setShortcuts(QKeySequence.keyBindings(key))
        if icon is not None:
            action.setIcon(icon)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _menus(self) -> None:
        bar = self.window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new, self.open])
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save, self.save_as])
        file_menu.addSeparator()
        evaluation = self.window.evaluation
        file_menu.addAction(evaluation.open_runs_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo, self.redo])
        edit_menu.addSeparator()
        edit_menu.addActions([self.cut, self.copy, self.paste, self.delete])
        edit_menu.addSeparator()
        edit_menu.addAction(self.select_all)
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.zoom_in, self.zoom_out, self.zoom_fit])
        view_menu.addSeparator()
        self.view_menu = view_menu
        run_menu = bar.addMenu("&Run")
        run_menu.addActions([evaluation.train_action, evaluation.pause_action,
                             evaluation.stop_action])

    def _toolbar(self) -> None:
        bar = QToolBar("Main", self.window)
        bar.setObjectName("main_toolbar")
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setMovable(False)
        bar.addActions([self.new, self.open, self.save])
        bar.addSeparator()
        bar.addActions([self.undo, self.redo])
        for action in (self.undo, self.redo):
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        bar.addSeparator()
        bar.addActions([self.zoom_in, self.zoom_out, self.zoom_fit])
        bar.addSeparator()
        evaluation = self.window.evaluation
        icon = self.window.style().standardIcon
        evaluation.train_action.setIcon(icon(QStyle.StandardPixmap.SP_MediaPlay))
        evaluation.stop_action.setIcon(icon(QStyle.StandardPixmap.SP_MediaStop))
        bar.addActions([evaluation.train_action, evaluation.stop_action])
        self.window.addToolBar(bar)
        self.toolbar = bar

    def fill_recent(self) -> None:
        """Rebuild the Open Recent menu from the settings."""
        menu = self.recent_menu
        menu.clear()
        files = self.window.settings.recent_files()
        for number, path in enumerate(files, start=1):
            action = menu.addAction(f"&{number} {path.name}")
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(
                lambda _checked=False, p=path: self.window.files.open_recent(Path(p)))
        if not files:
            empty = menu.addAction("No recent projects")
            empty.setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear Menu")
        clear.setEnabled(bool(files))
        clear.triggered.connect(lambda _checked=False: self.window.settings.clear_recent())
