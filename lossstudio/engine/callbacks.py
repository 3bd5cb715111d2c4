"""Trainer callbacks and the cooperative stop/pause control (engine layer).

Every hook of ``Callback`` does nothing by default; the trainer calls ``on_batch_end``
only on callbacks that override it, so a callback that does nothing costs nothing in
the training loop.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from lossstudio.runs import EpochRecord

if TYPE_CHECKING:
    from lossstudio.engine.trainer import Trainer, TrainResult


class Callback:
    """Base class of trainer callbacks: override the hooks you need."""

    def on_train_begin(self, trainer: Trainer) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        """Before epoch ``epoch`` (1-based)."""

    def on_batch_end(self, trainer: Trainer, epoch: int, batch: int, n_batches: int) -> None:
        """After training batch ``batch`` (1-based) of ``n_batches``."""

    def on_epoch_end(self, trainer: Trainer, record: EpochRecord) -> None:
        """After an epoch's validation, with its record."""

    def on_status(self, trainer: Trainer, status: str) -> None:
        """When the run is paused (``"paused"``) or resumed (``"running"``)."""

    def on_exception(self, trainer: Trainer, error: BaseException) -> None:
        """When training raised; the run ends as failed."""

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None:
        """After the last epoch, whatever the outcome."""


def overrides(callback: Callback, hook: str) -> bool:
    """True when ``callback`` defines its own ``hook``."""
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class TrainingControl:
    """Stop and pause requests from another thread, checked between batches."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        """Ask the run to stop after the current batch."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Ask the run to pause after the current batch."""
        self._running.clear()

    def resume(self) -> None:
        """Let a paused run go on."""
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        """True once ``stop`` was called."""
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        """True while paused."""
        return not self._running.is_set()

    def wait_while_paused(self) -> None:
        """Block until resumed or stopped."""
        self._running.wait()
