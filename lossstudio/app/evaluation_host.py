"""The Evaluation tab of the main window and its Train/Pause/Stop actions (app layer).

The ``EvaluationView`` (pyqtgraph, the training thread) is built the first time the tab
is shown or Train is pressed, so the editor starts without loading it. The host keeps
it in step with the document: the project shown, the validator's report (Train is
disabled with the reason while an error stands) and run-setting edits, which mark the
project modified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from lossstudio.core.validator import Analysis

if TYPE_CHECKING:
    from lossstudio.app.evaluation.evaluation_view import EvaluationView
    from lossstudio.app.main_window import MainWindow
    from lossstudio.project import Project

MODELING, EVALUATION = 0, 1


class EvaluationHost(QObject):
    """Owns the Evaluation tab, creating its view on first use."""

    def __init__(self, window: MainWindow, tabs: QTabWidget) -> None:
        super().__init__(window)
        self.window = window
        self.tabs = tabs
        self._view: EvaluationView | None = None
        placeholder = QLabel("Loading the Evaluation view…", tabs)
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tabs.addTab(placeholder, "Evaluation")
        self._docks_shown: dict[QWidget, bool] = {}
        self.train_action = self._action("&Train", self.train, "F5")
        self.pause_action = self._action("&Pause / Resume", self.toggle_pause, "F6")
        self.stop_action = self._action("&Stop", self.stop, "Shift+F5")
        self.open_runs_action = self._action("Open &Runs…", self.open_runs, None)
        self._set_running(False)
        tabs.currentChanged.connect(self._tab_changed)
        document = window.document
        document.project_replaced.connect(self._project_replaced)
        document.validation.analysis_changed.connect(self._analysis_changed)

    def _action(self, text: str, slot: object, key: str | None) -> QAction:
        action = QAction(text, self.window)
        if key:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False: slot())  # type: ignore[operator]
        return action

    @property
    def created(self) -> bool:
        """True once the Evaluation view exists."""
        return self._view is not None

    def view(self) -> EvaluationView:
        """The Evaluation view, built now if needed."""
        if self._view is None:
            from lossstudio.app.evaluation.evaluation_view import EvaluationView

            view = EvaluationView(
                self.window.project,
                parent=self.tabs,
                untitled_name=self.window.document.display_name,
            )
            view.setObjectName("evaluation_view")
            view.duplicate_requested.connect(self._open_duplicate)
            view.settings_changed.connect(self._settings_changed)
            view.training_changed.connect(self._set_running)
            view.set_analysis(self.window.document.analysis())
            self._view = view
            current = self.tabs.currentIndex()
            blocker = self.tabs.blockSignals(True)
            placeholder = self.tabs.widget(EVALUATION)
            self.tabs.removeTab(EVALUATION)
            placeholder.deleteLater()
            self.tabs.insertTab(EVALUATION, view, "Evaluation")
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(blocker)
        return self._view

    def show(self) -> EvaluationView:
        """Switch to the Evaluation tab."""
        view = self.view()
        self.tabs.setCurrentWidget(view)
        return view

    # --- actions -----------------------------------------------------------------------
    def train(self) -> bool:
        """Start a run of the current project (shows why when it cannot start)."""
        refusal = self.window.training_refusal()
        if refusal:
            self.window.show_message(refusal)
            return False
        view = self.show()
        started = view.train(self.window.document.display_name)
        if not started and not view.is_training:
            self.window.show_message("Training could not start; see the Evaluation view.")
        return started

    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one."""
        if self._view is None or not self._view.is_training:
            return
        if self._view.controller.is_paused:
            self._view.resume()
        else:
            self._view.pause()

    def stop(self) -> None:
        """Stop the run after the current batch."""
        if self._view is not None:
            self._view.stop()

    def open_runs(self) -> None:
        """File → Open runs…: show any folder of runs."""
        self.show().open_runs_dialog()

    # --- closing -----------------------------------------------------------------------
    def confirm_close(self) -> bool:
        """True when the window may close (no run, or the user agreed to stop it)."""
        return self._view is None or self._view.confirm_close(self.window)

    def shutdown(self) -> None:
        """Stop a run and wait for its thread."""
        if self._view is not None:
            self._view.shutdown()

    # --- reactions ---------------------------------------------------------------------
    def _tab_changed(self, index: int) -> None:
        evaluating = index == EVALUATION
        if evaluating:
            self.view()
        window = self.window
        for dock in (window.palette_dock, window.properties_dock, window.problems_dock):
            if evaluating:
                self._docks_shown[dock] = dock.isVisible()
                dock.hide()
            elif self._docks_shown.get(dock, True):
                dock.show()

    def _project_replaced(self) -> None:
        if self._view is not None:
            name = self.window.document.display_name
            self._view.set_project(self.window.project, untitled_name=name)

    def _analysis_changed(self, analysis: Analysis) -> None:
        refusal = self.window.training_refusal()
        self.train_action.setToolTip(refusal or "Train the model (F5)")
        if self._view is not None:
            self._view.set_analysis(analysis)

    def _settings_changed(self, name: str, value: object) -> None:
        self.window.document.mark_modified()

    def _open_duplicate(self, project: Project) -> None:
        window = self.window
        if not window.files.confirm_discard():
            return
        window.document.set_project(project, name="Duplicated experiment", modified=True)
        self.tabs.setCurrentIndex(MODELING)
        window.show_message("The run's model and settings are open as a new, unsaved project.")

    def _set_running(self, running: bool) -> None:
        self.train_action.setEnabled(not running)
        self.pause_action.setEnabled(running)
        self.stop_action.setEnabled(running)
