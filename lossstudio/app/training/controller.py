"""Starts, pauses, stops and shuts down the training thread (app layer, GUI thread).

``TrainingController`` owns at most one run at a time: a ``QThread``, the
``TrainingWorker`` moved onto it and the ``TrainingControl`` whose events the trainer
checks between batches. Its signals re-emit the worker's on the GUI thread (queued
connections), so views connect to the controller only. ``shutdown`` stops a run and
waits for its thread; no ``QThread`` is ever destroyed while running. While the thread
runs, garbage is collected on the GUI thread only (``GuiThreadCollector``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
from PySide6.QtWidgets import QApplication

from lossstudio.app.gui_gc import GuiThreadCollector, install_gui_collector
from lossstudio.app.training.messages import RunOutcome, RunStarted
from lossstudio.app.training.worker import TrainingWorker
from lossstudio.core.settings import RunSettings
from lossstudio.runs import BestPredictions, EpochRecord


class TrainingController(QObject):
    """One training run at a time, on its own thread."""

    run_started = Signal(object)
    """``RunStarted`` (the run folder exists)."""
    progress_changed = Signal(object)
    """``TrainingProgress``."""
    epoch_finished = Signal(object, object)
    """``EpochRecord``, ``BestPredictions | None`` — once per epoch, in order (the worker
    sends them in batches; the predictions of the newest best epoch among them come with
    the last)."""
    status_changed = Signal(str)
    """``"running"``, ``"paused"``, ``"stopping"``."""
    run_finished = Signal(object)
    """``RunOutcome``; the thread has ended or is ending."""
    busy_changed = Signal(bool)
    """True when a run starts, False when its thread has finished."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control: Any = None
        self._outcome_box: list[RunOutcome] = []
        self._paused = False
        self.last_outcome: RunOutcome | None = None
        self.current: RunStarted | None = None
        app = QCoreApplication.instance()
        if isinstance(app, QApplication):
            install_gui_collector(app)
        if app is not None:  # a safety net: the owner should call shutdown() itself
            app.aboutToQuit.connect(self.shutdown)

    # -- state ------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """True from ``start`` until the training thread has finished."""
        return self._thread is not None

    @property
    def is_paused(self) -> bool:
        """True while the run is paused."""
        return self._paused

    # -- commands ---------------------------------------------------------------------

    def start(
        self,
        snapshot: Mapping[str, Any],
        settings: RunSettings,
        runs_dir: Path,
        name: str = "run",
    ) -> None:
        """Train ``snapshot`` with a copy of ``settings`` on a new thread."""
        if self._thread is not None:
            raise RuntimeError("a run is already in progress")
        from lossstudio.engine.callbacks import TrainingControl  # no torch: threading only

        self._control = TrainingControl()
        self._paused = False
        self.current = None
        self.last_outcome = None
        self._outcome_box = []
        worker = TrainingWorker(
            snapshot,
            RunSettings.from_dict(settings.to_dict()),
            runs_dir,
            name,
            self._control,
            self._outcome_box,
        )
        thread = QThread(self)
        thread.setObjectName("lossstudio-training")
        worker.moveToThread(thread)
        worker.run_started.connect(self._on_started)
        worker.progress_changed.connect(self.progress_changed)
        worker.epochs_finished.connect(self._on_epochs)
        worker.status_changed.connect(self._on_status)
        worker.finished.connect(self._on_finished)
        thread.started.connect(worker.run)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        GuiThreadCollector.hold_full_collections(True)
        thread.start()
        self.busy_changed.emit(True)
        self.status_changed.emit("running")

    def pause(self) -> None:
        """Pause after the current batch."""
        if self._control is not None and not self._paused:
            self._paused = True
            self._control.pause()

    def resume(self) -> None:
        """Go on after a pause."""
        if self._control is not None and self._paused:
            self._paused = False
            self._control.resume()

    def stop(self) -> None:
        """Stop after the current batch; the run is recorded ``stopped``."""
        if self._control is not None and self._thread is not None:
            self._paused = False
            self._control.stop()
            self.status_changed.emit("stopping")

    def shutdown(self) -> RunOutcome | None:
        """Stop any run and wait for its thread to end (blocks the GUI thread for at most
        one batch and the final writes). Returns the outcome if a run was stopped."""
        thread = self._thread
        if thread is None:
            return None
        self.stop()
        thread.quit()
        thread.wait()
        self._on_thread_finished()
        return self.last_outcome

    # -- worker reports (GUI thread) --------------------------------------------------

    def _on_started(self, started: RunStarted) -> None:
        self.current = started
        self.run_started.emit(started)

    def _on_epochs(self, records: tuple[EpochRecord, ...], best: BestPredictions | None) -> None:
        for index, record in enumerate(records):
            self.epoch_finished.emit(record, best if index == len(records) - 1 else None)

    def _on_status(self, status: str) -> None:
        if self._control is not None and self._control.stop_requested:
            return
        self.status_changed.emit(status)

    def _on_finished(self, outcome: RunOutcome) -> None:
        if self._thread is not None:
            self.last_outcome = outcome

    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._thread = self._worker = None
        self._control = None
        self._paused = False
        thread.wait()
        thread.deleteLater()
        GuiThreadCollector.hold_full_collections(False)
        box = self._outcome_box
        outcome = box[0] if box else RunOutcome("failed", "the training thread ended early", None)
        self.last_outcome = outcome
        self.run_finished.emit(outcome)
        self.busy_changed.emit(False)
