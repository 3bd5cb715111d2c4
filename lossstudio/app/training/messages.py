"""Frozen values the training thread sends to the GUI thread (app layer, no Qt, no torch).

Every signal of the worker carries one of these, an ``EpochRecord`` or a
``BestPredictions`` (with a read-only numpy array): plain numbers, strings and paths,
so nothing mutable crosses threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunStarted:
    """A run folder was created and the first epoch is about to start."""

    path: Path | None
    name: str
    loss: str
    metric_names: tuple[str, ...]
    epochs: int
    n_train: int
    n_validation: int


@dataclass(frozen=True)
class TrainingProgress:
    """Where the run is: batch ``batch`` of ``n_batches`` in epoch ``epoch`` of ``epochs``."""

    epoch: int
    epochs: int
    batch: int
    n_batches: int
    elapsed: float

    @property
    def fraction(self) -> float:
        """Share of the whole run done, in [0, 1]."""
        within = self.batch / self.n_batches if self.n_batches else 0.0
        return min(1.0, max(0.0, (self.epoch - 1 + within) / max(self.epochs, 1)))

    @property
    def eta(self) -> float | None:
        """Seconds left, extrapolated from the time so far (None at the very start)."""
        done = self.fraction
        if done <= 0.0 or self.elapsed <= 0.0:
            return None
        return self.elapsed * (1.0 - done) / done


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: status, why it failed, its folder and its best epoch."""

    status: str
    failure: str | None
    path: Path | None
    best_epoch: int | None = None
    best_val_loss: float | None = None
    epochs_done: int = 0
