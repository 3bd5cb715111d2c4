"""The Evaluation view: run settings, Train/Pause/Stop, progress, runs and plots (app layer).

``EvaluationView(project)`` is self-contained: the main window embeds it as its
Evaluation tab and tells it about the document (``set_project``, ``set_analysis``),
adds ``open_runs_dialog`` to its File menu, asks ``confirm_close`` and calls
``shutdown`` from its ``closeEvent``, and opens the projects of ``duplicate_requested``.
Used as a top-level window it asks and shuts down by itself when closed.

Pressing Train snapshots the project (a JSON copy: later edits never reach the run)
and hands it, with a copy of the settings, to the ``TrainingController``; each epoch's
record is appended to the live series that the pane draws.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFileDialog, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from lossstudio.app.evaluation.architecture_view import ArchitectureDialog
from lossstudio.app.evaluation.model_export import ExportJob, ask_export
from lossstudio.app.evaluation.pane import EvaluationPane
from lossstudio.app.evaluation.planning import default_runs_dir, expected_metrics, train_blocker
from lossstudio.app.evaluation.run_store import RunStore
from lossstudio.app.evaluation.runs_browser import RunsBrowser, ask_yes_no
from lossstudio.app.evaluation.series import RunSeries
from lossstudio.app.training.controller import TrainingController
from lossstudio.app.training.messages import RunOutcome, RunStarted
from lossstudio.app.training.progress import ProgressPanel
from lossstudio.app.training.settings_panel import RunSettingsPanel
from lossstudio.core.validator import Analysis
from lossstudio.runs import BestPredictions, EpochRecord

if TYPE_CHECKING:
    from lossstudio.project import Project


class EvaluationView(QWidget):
    """Run settings, training controls, runs browser and evaluation plots."""

    duplicate_requested = Signal(object)
    """A new, unsaved ``Project`` copied from a run ("duplicate experiment")."""
    settings_changed = Signal(str, object)
    """A run setting was edited (the project is modified)."""
    training_changed = Signal(bool)
    """True when a run starts, False when its thread has ended."""
    run_finished = Signal(object)
    """``RunOutcome`` of a run trained from this view."""

    def __init__(
        self,
        project: Project,
        runs_dir: Path | None = None,
        parent: QWidget | None = None,
        untitled_name: str = "Untitled",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("LossStudio — Evaluation")
        self.project = project
        self._runs_dir = runs_dir
        self.untitled_name = untitled_name
        """Names the runs folder of a project never saved (the main window's title)."""
        self.confirm = ask_yes_no
        """Asks the close question; tests replace it."""
        self.controller = TrainingController(self)
        self.store = RunStore()
        self.settings_panel = RunSettingsPanel(project.settings, self)
        self.progress_panel = ProgressPanel(self)
        self.browser = RunsBrowser(self.store, self)
        self.browser.protected = self._is_live
        self.pane = EvaluationPane(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.settings_panel)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.browser, "Runs")
        self.tabs.addTab(scroll, "Run settings")
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.pane)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([430, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.progress_panel)
        layout.addWidget(splitter, 1)
        self.live: RunSeries | None = None
        self._live_path: Path | None = None
        self._analysis: Analysis | None = None
        self._dialogs: list[ArchitectureDialog] = []
        self._exports: list[ExportJob] = []
        self._connect()
        self.browser.set_folder(self.runs_dir())
        self.refresh_validation()
        self._prepare_plots()

    def _connect(self) -> None:
        panel, controller = self.progress_panel, self.controller
        panel.train_clicked.connect(self.train)
        panel.pause_clicked.connect(self.pause)
        panel.resume_clicked.connect(self.resume)
        panel.stop_clicked.connect(self.stop)
        controller.run_started.connect(self._on_run_started)
        controller.progress_changed.connect(panel.show_progress)
        controller.epoch_finished.connect(self._on_epoch)
        controller.status_changed.connect(self._on_status)
        controller.run_finished.connect(self._on_run_finished)
        controller.busy_changed.connect(self.training_changed)
        self.settings_panel.setting_changed.connect(self.settings_changed)
        self.browser.selection_changed.connect(self._show_selected)
        self.browser.runs_changed.connect(self._runs_changed)
        self.browser.duplicate_requested.connect(self.duplicate_run)
        self.browser.architecture_requested.connect(self.open_architecture)
        self.browser.export_requested.connect(self._ask_export)

    # -- the document -----------------------------------------------------------------

    def runs_dir(self) -> Path:
        """Where runs of the project are written (and shown by default)."""
        if self._runs_dir:
            return Path(self._runs_dir)
        return default_runs_dir(self.project, self.untitled_name)

    def set_project(
        self, project: Project, runs_dir: Path | None = None, untitled_name: str = "Untitled"
    ) -> None:
        """Show another project (a run in progress goes on with its snapshot)."""
        self.project = project
        self._runs_dir = runs_dir
        self.untitled_name = untitled_name
        self.settings_panel.set_settings(project.settings)
        self.browser.set_folder(self.runs_dir())
        self.refresh_validation()
        self._prepare_plots()

    def _prepare_plots(self) -> None:
        """Make the metric plots of the project's task now, not when Train is pressed."""
        self.pane.prepare(expected_metrics(self.project.snapshot(), self._analysis))

    def set_analysis(self, analysis: Analysis | None) -> None:
        """The validator's latest report (Train is disabled while it has errors)."""
        self._analysis = analysis
        self._update_can_train()

    def refresh_validation(self) -> None:
        """Run the validator now (for use without the main window's scheduler)."""
        self.set_analysis(self.project.analyze())

    def _update_can_train(self) -> None:
        reason = train_blocker(self.project, self._analysis)
        self.progress_panel.set_can_train(not reason, reason)

    # -- training ---------------------------------------------------------------------

    @property
    def is_training(self) -> bool:
        """True while a run's thread is alive."""
        return self.controller.is_running

    def train(self, name: str | None = None) -> bool:
        """Start a run of a snapshot of the project; False when it cannot start."""
        reason = train_blocker(self.project, self._analysis)
        if reason or self.controller.is_running:
            return False
        snapshot = json.loads(json.dumps(self.project.snapshot()))
        run_name = name or (self.project.path.stem if self.project.path else "untitled")
        metrics = expected_metrics(snapshot, self._analysis)
        self.live = RunSeries(
            key=f"live:{id(snapshot)}", name=run_name, status="running", metric_names=metrics
        )
        self._live_path = None
        runs_dir = self.runs_dir()
        self.controller.start(snapshot, self.project.settings, runs_dir, run_name)
        self.pane.show_runs([self.live])
        self.progress_panel.set_running(True)
        self.progress_panel.show_message(f"Training {run_name}…")
        if self.browser.folder() != runs_dir.resolve():
            self.browser.set_folder(runs_dir)
        return True

    def pause(self) -> None:
        """Pause the run after the current batch."""
        self.controller.pause()
        self.progress_panel.set_paused(True)

    def resume(self) -> None:
        """Resume a paused run."""
        self.controller.resume()
        self.progress_panel.set_paused(False)

    def stop(self) -> None:
        """Stop the run after the current batch (recorded as stopped)."""
        self.controller.stop()

    def _is_live(self, path: Path) -> bool:
        return self._live_path is not None and Path(path) == self._live_path

    def _on_run_started(self, started: RunStarted) -> None:
        live = self.live
        if live is None or started.path is None:
            return
        live.path = started.path
        live.loss = started.loss
        if tuple(started.metric_names) != tuple(live.metric_names):
            live.metric_names = started.metric_names
            self.pane.show_runs([])
        self._live_path = started.path.resolve()
        self.store.set_live(self._live_path, live)
        self.browser.refresh()
        self.browser.select_runs([self._live_path])

    def _on_epoch(self, record: EpochRecord, best: BestPredictions | None) -> None:
        live = self.live
        if live is None:
            return
        live.append(record)
        if best is not None:
            live.predictions = best
        self.pane.update_run(live)

    def _on_status(self, status: str) -> None:
        if status == "stopping":
            self.progress_panel.set_stopping()
        elif status in ("paused", "running"):
            self.progress_panel.set_paused(status == "paused")
            if self.live is not None:
                self.live.status = status
                self.pane.update_run(self.live)

    def _on_run_finished(self, outcome: RunOutcome) -> None:
        panel = self.progress_panel
        panel.set_running(False)
        live, path = self.live, self._live_path
        self.live, self._live_path = None, None
        if live is not None:
            live.status, live.failure = outcome.status, outcome.failure
        if path is not None and live is not None and path.is_dir():
            self.store.adopt(path, live)  # the files are complete: keep drawing the same data
        elif path is not None:
            self.store.clear_live(path)
        self.browser.refresh()
        if live is not None and live in self.pane.runs():
            if path is None and outcome.path is not None:  # failed before training began
                self.browser.select_runs([outcome.path.resolve()])
            else:
                self.pane.update_run(live)
                self.pane.refresh_soon()  # the final state, without the usual wait
        panel.show_finished(_finished_text(outcome), outcome.status == "completed")
        failed = outcome.status in ("failed", "refused")
        saved = f"Run saved in {outcome.path}" if outcome.path else _finished_text(outcome)
        panel.show_message(outcome.failure or saved, error=failed)
        self.run_finished.emit(outcome)

    # -- closing ----------------------------------------------------------------------

    def confirm_close(self, parent: QWidget | None = None) -> bool:
        """True when the window may close: no run, or the user agreed to stop it."""
        if not self.controller.is_running:
            return True
        return self.confirm(
            parent or self, "Training in progress",
            "A run is training. Stop it and close? What it has trained so far is kept as a "
            "stopped run.",
        )

    def shutdown(self) -> None:
        """Stop any run, wait for its thread, stop polling and close run windows."""
        self.controller.shutdown()
        for job in list(self._exports):
            job.wait()
        self.browser.timer.stop()
        for dialog in list(self._dialogs):
            dialog.close()
        self._dialogs.clear()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt virtual
        if self.isWindow():
            if not self.confirm_close(self):
                event.ignore()
                return
            self.shutdown()
        super().closeEvent(event)

    # -- runs -------------------------------------------------------------------------

    def open_runs_folder(self, folder: Path) -> None:
        """Show the runs of any folder (File → Open runs…)."""
        self.browser.set_folder(Path(folder))
        self.tabs.setCurrentWidget(self.browser)

    def open_runs_dialog(self) -> None:
        """Ask for a folder of runs and show it."""
        start = str(self.browser.folder() or self.runs_dir())
        folder = QFileDialog.getExistingDirectory(self, "Open runs", start)
        if folder:
            self.open_runs_folder(Path(folder))

    def _show_selected(self, paths: list[Path]) -> None:
        self.pane.show_runs([self.store.series(path) for path in paths])

    def _runs_changed(self, changed: set[Path]) -> None:
        for run in self.pane.runs():
            if run.path is None or run is self.live:
                continue
            path = run.path.resolve() if not run.path.is_absolute() else run.path
            if path in changed and path.exists():
                self.pane.update_run(self.store.series(path))

    def duplicate_run(self, path: Path) -> Project:
        """A new editable project with the model and settings a run trained."""
        from lossstudio.data import DataError
        from lossstudio.io.project_file import project_from_dict
        from lossstudio.project import Project

        run = self.store.run(Path(path))
        project = project_from_dict(dict(run.project), f"run {run.name}", factory=Project)
        if project.dataset is not None:
            try:
                project.use_dataset(project.dataset.path, project.dataset.features)
            except DataError:
                pass  # the copy stays editable; the validator will say what is missing
        self.duplicate_requested.emit(project)
        return project

    def _ask_export(self, path: Path) -> None:
        choice = ask_export(self, Path(path))
        if choice is not None:
            self.export_model(Path(path), *choice)

    def export_model(self, run: Path, fmt: str, output: Path) -> ExportJob:
        """Export a run's best model in the background; the result shows in the panel."""
        job = ExportJob(run, fmt, output, parent=self)
        self._exports.append(job)
        self.progress_panel.show_message(f"Exporting {Path(run).name} as {fmt}…")
        job.finished.connect(lambda ok, message: self._export_done(job, ok, message))
        return job

    def _export_done(self, job: ExportJob, ok: bool, message: str) -> None:
        if job in self._exports:
            self._exports.remove(job)
        self.progress_panel.show_message(message, error=not ok)

    def open_architecture(self, path: Path) -> ArchitectureDialog:
        """Show the model a run trained, read-only."""
        run = self.store.run(Path(path))
        dialog = ArchitectureDialog(run.project, run.name, self)
        dialog.setWindowFlag(Qt.WindowType.Window, True)
        dialog.destroyed.connect(lambda *_: self._forget_dialog(dialog))
        self._dialogs.append(dialog)
        dialog.show()
        return dialog

    def _forget_dialog(self, dialog: ArchitectureDialog) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)


def _finished_text(outcome: RunOutcome) -> str:
    if outcome.status == "completed":
        best = (
            f"; best validation loss {outcome.best_val_loss:.4g} at epoch {outcome.best_epoch}"
            if outcome.best_epoch is not None and outcome.best_val_loss is not None else ""
        )
        return f"completed {outcome.epochs_done} epoch(s){best}"
    if outcome.status == "stopped":
        return f"stopped after {outcome.epochs_done} epoch(s)"
    if outcome.status == "refused":
        return "could not start"
    return f"failed after {outcome.epochs_done} epoch(s)"
