"""The main window of the Modeling view (app layer): it only wires the parts.

Canvas in the centre; block palette on the left; property panel on the right; the
problems list at the bottom; menus, toolbar and status bar. ``MainWindow.project``
is the live project (edits made through it show on the canvas and are validated the
same way); ``canvas.item_for(node_id)`` is a block's item; ``undo_stack`` the undo
stack.
"""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QTabWidget,
    QWidget,
)

from lossstudio.app.actions import WindowActions
from lossstudio.app.app_settings import AppSettings
from lossstudio.app.canvas.editing import CanvasEditing
from lossstudio.app.canvas.scene import CanvasScene
from lossstudio.app.canvas.view import CanvasView
from lossstudio.app.dialogs import Dialogs
from lossstudio.app.document import Document
from lossstudio.app.evaluation_host import EvaluationHost
from lossstudio.app.files import FileController
from lossstudio.app.gui_gc import install_gui_collector
from lossstudio.app.palette import BlockPalette
from lossstudio.app.problems import ProblemsPanel
from lossstudio.app.properties import PropertyPanel
from lossstudio.core.validator import Analysis
from lossstudio.project import Project

APP_NAME = "LossStudio"


class MainWindow(QMainWindow):
    """The LossStudio editor window."""

    def __init__(self, project_path: str | os.PathLike[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        install_gui_collector(QApplication.instance())  # type: ignore[arg-type]
        self.settings = AppSettings()
        self.document = Document(self)
        self.scene = CanvasScene(lambda: self.document.project, self)
        self.canvas = CanvasView(self.scene, self)
        self.editing = CanvasEditing(self.scene)
        self.files = FileController(self.document, self.settings, Dialogs(self), self)
        self.block_palette = BlockPalette(self)
        self.properties = PropertyPanel(self.document, self)
        self.problems = ProblemsPanel(self)
        self.views = QTabWidget(self)
        self.views.setObjectName("views")
        self.views.setDocumentMode(True)
        self.views.addTab(self.canvas, "Modeling")
        self.setCentralWidget(self.views)
        self.evaluation = EvaluationHost(self, self.views)
        self.palette_dock = self._dock("Blocks", "palette_dock", self.block_palette,
                                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self.properties_dock = self._dock("Properties", "properties_dock", self.properties,
                                          Qt.DockWidgetArea.RightDockWidgetArea)
        self.problems_dock = self._dock("Problems", "problems_dock", self.problems,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.actions_ = WindowActions(self)
        for dock in (self.palette_dock, self.properties_dock, self.problems_dock):
            self.actions_.view_menu.addAction(dock.toggleViewAction())
        self.summary_label = QLabel(self)
        self.zoom_label = QLabel("100 %", self)
        self.statusBar().addPermanentWidget(self.summary_label)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self._wire()
        self.resize(1280, 800)
        self._restore_layout()
        self.scene.rebuild(self.document.project.graph)
        self._update_title()
        if project_path is not None:
            self.files.open_path(project_path, confirm=False)
        self.document.validation.flush()

    def _dock(self, title: str, name: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _wire(self) -> None:
        document, scene = self.document, self.scene
        document.graph_changed.connect(scene.on_graph_event)
        document.graph_changed.connect(self.properties.on_graph_event)
        document.project_replaced.connect(self._project_replaced)
        document.validation.analysis_changed.connect(self._analysis_changed)
        document.validation.settled.connect(self.properties.refresh_status)
        document.name_changed.connect(self._update_title)
        document.undo_stack.cleanChanged.connect(self._update_title)
        scene.selectionChanged.connect(self._selection_changed)
        scene.message_posted.connect(self.show_message)
        self.files.message_posted.connect(self.show_message)
        document.data_loader.loaded.connect(self.show_message)
        document.data_loader.loaded.connect(self.properties.reload)
        self.properties.message_posted.connect(self.show_message)
        self.block_palette.block_requested.connect(self.canvas.add_block)
        self.problems.block_chosen.connect(self.reveal_block)
        self.problems.counts_changed.connect(self._show_counts)
        self.canvas.zoom_changed.connect(self._show_zoom)

    # --- hooks for tests and scripts -----------------------------------------------
    @property
    def project(self) -> Project:
        """The live project shown in this window."""
        return self.document.project

    @project.setter
    def project(self, project: Project) -> None:
        self.document.set_project(project)

    @property
    def undo_stack(self) -> QUndoStack:
        """The undo stack of the document."""
        return self.document.undo_stack

    @property
    def dialogs(self) -> Dialogs:
        """Where questions and error messages go (replaceable in tests)."""
        return self.files.dialogs

    @dialogs.setter
    def dialogs(self, dialogs: Dialogs) -> None:
        self.files.dialogs = dialogs

    def analysis(self) -> Analysis:
        """The validator's current report (runs a pending pass first)."""
        return self.document.analysis()

    def training_refusal(self) -> str | None:
        """Why training cannot start now, or ``None`` when no error stands."""
        return self.document.training_refusal()

    # --- reactions -----------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """A transient message in the status bar."""
        self.statusBar().showMessage(text, 8000)

    def reveal_block(self, node_id: str) -> None:
        """Select block ``node_id`` and scroll it to the middle of the canvas."""
        if node_id in self.scene.blocks:
            self.scene.select_blocks([node_id])
            self.canvas.center_on_block(node_id)

    def _selection_changed(self) -> None:
        if shiboken6.isValid(self.scene) and shiboken6.isValid(self.properties):
            self.properties.show_selection(self.scene.selected_block_ids())

    def _project_replaced(self) -> None:
        self.scene.rebuild(self.document.project.graph)
        self.properties.on_project_replaced()
        self.canvas.request_fit()
        self._update_title()

    def _analysis_changed(self, analysis: Analysis) -> None:
        self.scene.apply_analysis(analysis)
        self.problems.set_analysis(analysis)

    def _show_counts(self, errors: int, warnings: int) -> None:
        if errors:
            text, colour = f"✖ {errors} error(s), {warnings} warning(s)", "#d32f2f"
        elif warnings:
            text, colour = f"⚠ {warnings} warning(s)", "#b26a00"
        else:
            text, colour = "✔ Ready to train", "#2e7d32"
        self.summary_label.setText(text)
        self.summary_label.setStyleSheet(f"color: {colour}; padding: 0 8px;")
        self.problems_dock.setWindowTitle(
            f"Problems ({errors + warnings})" if errors + warnings else "Problems")

    def _show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %")

    def _update_title(self, *_: object) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_NAME}")
        self.setWindowModified(self.document.is_modified())

    # --- persistence ---------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        else:
            self.resizeDocks([self.palette_dock, self.properties_dock], [210, 320],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.problems_dock], [120], Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.evaluation.confirm_close() or not self.files.confirm_discard():
            event.ignore()
            return
        self.evaluation.shutdown()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        path = self.document.path
        if path is not None:
            self.settings.set_last_project(Path(path))
        self.settings.sync()
        self.files.discard_autosave()
        self.document.data_loader.shutdown()
        event.accept()
