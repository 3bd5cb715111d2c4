"""The training worker: a QObject that lives on the training thread (app layer).

It is given a frozen project snapshot (a plain dict), a copy of the run settings and
a ``TrainingControl``; it never sees the live project. ``run`` imports the engine
(and so torch) there and then — torch's native library opened with the GIL released
(``torch_preload``) and what was imported frozen out of garbage collection
(``GuiThreadCollector.importing``), so the window keeps painting — trains through
``train_snapshot`` and reports through signals that carry frozen values only. When
``run`` returns it moves itself back to the GUI thread (which owns it) and quits its
own thread, so the GUI thread can ``wait()`` for the thread without running its event
loop.

The training thread uses one intra-op (OpenMP) thread fewer than the machine has cores
(``training_threads``), so a core stays free for the window: on a busy 2-core machine,
two OpenMP threads spinning at each barrier made the digits example 5–50× slower and
starved the GUI thread for seconds. The controller keeps the garbage collector on the
GUI thread while the worker runs (see ``gui_gc``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from lossstudio.app.gui_gc import GuiThreadCollector
from lossstudio.app.torch_preload import preload_torch
from lossstudio.app.training.messages import RunOutcome, RunStarted, TrainingProgress
from lossstudio.core.settings import RunSettings
from lossstudio.runs import BestPredictions, EpochRecord

LOG = logging.getLogger(__name__)


def training_threads(default: int, cores: int | None = None) -> int:
    """Intra-op threads for a run trained from the window: all cores but one, at most
    ``default`` (torch's own choice), at least one."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, min(default, cores - 1))


class TrainingWorker(QObject):
    """Trains one snapshot on the thread it was moved to."""

    run_started = Signal(object)
    """``RunStarted``: the run folder exists and training begins."""
    progress_changed = Signal(object)
    """``TrainingProgress`` (throttled)."""
    epochs_finished = Signal(object, object)
    """A tuple of ``EpochRecord`` (in order) and the ``BestPredictions`` of the newest best
    epoch among them (None when none of them improved)."""
    status_changed = Signal(str)
    """``"paused"`` or ``"running"``."""
    finished = Signal(object)
    """``RunOutcome``: always emitted once, last."""

    def __init__(
        self,
        snapshot: Mapping[str, Any],
        settings: RunSettings,
        runs_dir: Path,
        name: str,
        control: Any,
        outcome_box: list[RunOutcome] | None = None,
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.settings = settings
        self.runs_dir = Path(runs_dir)
        self.name = name
        self.control = control
        self._run_path: Path | None = None
        self.outcome_box = outcome_box if outcome_box is not None else []
        """Receives the outcome before ``finished`` is emitted (readable after ``wait``)."""

    # -- TrainingSink (called on the training thread) ---------------------------------

    def report_started(self, started: RunStarted) -> None:
        self._run_path = started.path
        self.run_started.emit(started)

    def report_progress(self, progress: TrainingProgress) -> None:
        self.progress_changed.emit(progress)

    def report_epochs(
        self, records: tuple[EpochRecord, ...], best: BestPredictions | None
    ) -> None:
        self.epochs_finished.emit(records, best)

    def report_status(self, status: str) -> None:
        self.status_changed.emit(status)

    # -- the run ----------------------------------------------------------------------

    @Slot()
    def run(self) -> None:
        """Train, then emit ``finished`` and quit this thread (whatever happened)."""
        try:
            outcome = self._train()
        except BaseException as error:  # the thread must always report and end
            LOG.exception("training thread failed")
            outcome = RunOutcome("failed", _describe(error), self._run_path)
        self.outcome_box.append(outcome)
        self.finished.emit(outcome)
        # Hand this object back to the GUI thread, which owns (and deletes) it.
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        QThread.currentThread().quit()

    def _train(self) -> RunOutcome:
        with GuiThreadCollector.importing():
            preload_torch()
            import torch

            from lossstudio.app.training.bridge import WindowCallback
            from lossstudio.data import DataError
            from lossstudio.engine.session import TrainingRefused, train_snapshot
            from lossstudio.engine.trainer import describe_error

            torch.optim.SGD([torch.zeros(1, requires_grad=True)])  # torch's lazy imports

        torch.set_num_threads(training_threads(torch.get_num_threads()))
        callback = WindowCallback(self, self.name)
        try:
            path, result = train_snapshot(
                self.snapshot,
                self.settings,
                self.runs_dir,
                name=self.name,
                callbacks=[callback],
                control=self.control,
            )
        except TrainingRefused as error:
            return RunOutcome("refused", str(error), None)
        except DataError as error:
            return self._failed_before_start(str(error))
        except Exception as error:
            if self._run_path is not None:
                return RunOutcome("failed", describe_error(error), self._run_path)
            return self._failed_before_start(describe_error(error))

        return RunOutcome(
            status=str(result.status),
            failure=result.failure,
            path=path,
            best_epoch=result.best_epoch,
            best_val_loss=result.best_val_loss,
            epochs_done=len(result.history),
        )

    def _failed_before_start(self, message: str) -> RunOutcome:
        """Record a run that failed before training began (bad data), so the runs list
        shows it and why."""
        from lossstudio.engine.session import versions
        from lossstudio.runs import RunWriter

        loss = _target_loss(self.snapshot)
        try:
            writer = RunWriter(
                self.runs_dir,
                name=self.name,
                loss=loss,
                settings=self.settings.to_dict(),
                project={**self.snapshot, "settings": self.settings.to_dict()},
                versions=versions(),
            )
            writer.finish("failed", failure=message)
            return RunOutcome("failed", message, writer.path)
        except OSError as error:
            LOG.warning("could not record the failed run: %s", error)
            return RunOutcome("failed", message, None)


def _target_loss(snapshot: Mapping[str, Any]) -> str:
    for block in snapshot.get("blocks", []):
        if isinstance(block, dict) and block.get("type") == "target":
            loss = block.get("params", {}).get("loss")
            if isinstance(loss, str):
                return loss
    return "unknown"


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
