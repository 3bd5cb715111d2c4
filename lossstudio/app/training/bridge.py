"""The trainer callback that reports to the window (app layer, training thread only).

``WindowCallback`` turns trainer hooks into calls on a ``TrainingSink`` (the worker,
whose methods emit Qt signals): one ``started`` with the run folder, throttled
``progress`` and finished epochs (at most ``PROGRESS_HZ`` batches of them per second:
every wake-up of the GUI thread costs a GIL hand-over that a small model's training
loop feels), with the predictions of the newest best epoch among them (the trainer
reduced them during its validation pass and the run-folder callback saved them), and
``status`` on pause/resume. It imports the engine, so only the worker imports it, lazily.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from lossstudio.app.training.messages import RunStarted, TrainingProgress
from lossstudio.engine.callbacks import Callback
from lossstudio.runs import BestPredictions, EpochRecord

if TYPE_CHECKING:
    from lossstudio.engine.trainer import Trainer

PROGRESS_HZ = 4.0
LOG = logging.getLogger(__name__)


class TrainingSink(Protocol):
    """Receives what the training thread reports (the worker emits each as a signal)."""

    def report_started(self, started: RunStarted) -> None: ...
    def report_progress(self, progress: TrainingProgress) -> None: ...
    def report_epochs(
        self, records: tuple[EpochRecord, ...], best: BestPredictions | None
    ) -> None: ...
    def report_status(self, status: str) -> None: ...


def run_path_of(trainer: Trainer) -> Path | None:
    """The run folder of ``trainer``: the writer of its checkpoint callback (inserted first
    by ``train_snapshot``)."""
    for callback in trainer.callbacks:
        writer = getattr(callback, "writer", None)
        path = getattr(writer, "path", None)
        if isinstance(path, Path):
            return path
    return None


class WindowCallback(Callback):
    """Reports the run to the window through ``sink``; costs one clock read per batch."""

    def __init__(self, sink: TrainingSink, name: str) -> None:
        self.sink = sink
        self.name = name
        self.path: Path | None = None
        self.started = 0.0
        self._last_progress = 0.0
        self._interval = 1.0 / PROGRESS_HZ
        self._n_batches = 1
        self._records: list[EpochRecord] = []
        self._best: BestPredictions | None = None
        self._last_records = -math.inf

    def on_train_begin(self, trainer: Trainer) -> None:
        self.started = time.perf_counter()
        self.path = run_path_of(trainer)
        size = trainer.settings.batch_size
        self._n_batches = max(1, -(-len(trainer.train_data) // size))
        module = trainer.module
        from lossstudio.engine.metrics import metric_names

        names = metric_names(module.loss_id, int(module.output_shape[-1]))
        self.sink.report_started(
            RunStarted(
                path=self.path,
                name=self.name,
                loss=module.loss_id,
                metric_names=tuple(names),
                epochs=trainer.settings.epochs,
                n_train=len(trainer.train_data),
                n_validation=len(trainer.validation_data),
            )
        )

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        self._progress(trainer, epoch, 0, self._n_batches, force=epoch == 1)

    def on_batch_end(self, trainer: Trainer, epoch: int, batch: int, n_batches: int) -> None:
        if time.perf_counter() - self._last_progress >= self._interval:
            self._n_batches = n_batches
            self._progress(trainer, epoch, batch, n_batches)

    def _progress(
        self, trainer: Trainer, epoch: int, batch: int, n_batches: int, force: bool = False
    ) -> None:
        """Report progress (at most ``PROGRESS_HZ`` times a second unless ``force``)."""
        now = time.perf_counter()
        if not force and now - self._last_progress < self._interval:
            return
        self._last_progress = now
        elapsed = now - self.started
        self.sink.report_progress(
            TrainingProgress(epoch, trainer.settings.epochs, batch, n_batches, elapsed)
        )

    def on_epoch_end(self, trainer: Trainer, record: EpochRecord) -> None:
        self._records.append(record)
        best = trainer.best_predictions
        if best is not None and best.epoch == record.epoch:
            self._best = best
        last = record.epoch == trainer.settings.epochs
        now = time.perf_counter()
        if last or now - self._last_records >= self._interval:
            self._send_records()
        self._progress(trainer, record.epoch, self._n_batches, self._n_batches, force=last)

    def _send_records(self) -> None:
        if self._records:
            records, self._records = tuple(self._records), []
            best, self._best = self._best, None
            self._last_records = time.perf_counter()
            self.sink.report_epochs(records, best)

    def on_train_end(self, trainer: Trainer, result: object) -> None:
        try:
            self._send_records()
        except Exception:  # the run is recorded already; never fail it now
            LOG.exception("could not report the last epochs")

    def on_status(self, trainer: Trainer, status: str) -> None:
        self.sink.report_status(status)
