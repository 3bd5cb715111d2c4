"""Frozen values the training thread sends to the GUI thread (app layer, no Qt, no torch).

Every signal of the worker carries one of these (or an ``EpochRecord``): plain numbers,
strings, paths and read-only numpy arrays, so nothing mutable crosses threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CONFUSION_FILE = "best_confusion.npy"
"""Confusion matrix of the best epoch's validation predictions (classification)."""
ERRORS_FILE = "best_errors.npy"
"""Errors (prediction − target) of the best epoch's validation predictions (regression)."""
PREDICTIONS_DIR = "predictions"
"""Folder of a run that holds the two files above."""


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
class BestPredictions:
    """Validation predictions of the best epoch so far, reduced to what is plotted.

    ``kind`` is ``"confusion"`` (``array`` is K×K counts, rows true, columns predicted),
    ``"multilabel"`` (L×2×2 counts per label: ``[[TN, FP], [FN, TP]]``) or ``"errors"``
    (a flat float32 array of prediction − target). The array is read-only.
    """

    epoch: int
    kind: str
    array: np.ndarray


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: status, why it failed, its folder and its best epoch."""

    status: str
    failure: str | None
    path: Path | None
    best_epoch: int | None = None
    best_val_loss: float | None = None
    epochs_done: int = 0


def frozen(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only (a copy is not made)."""
    array.setflags(write=False)
    return array


def load_predictions(run_path: Path, best_epoch: int | None) -> BestPredictions | None:
    """The best epoch's predictions saved in a run folder, or None when there are none.

    The files are rewritten each time the validation loss improves, so they belong to
    the run's ``best_epoch`` (from ``run.json``). Read with ``allow_pickle=False``.
    """
    folder = Path(run_path) / PREDICTIONS_DIR
    for name, default_kind in ((CONFUSION_FILE, "confusion"), (ERRORS_FILE, "errors")):
        try:
            array = np.load(folder / name, allow_pickle=False)
        except (OSError, ValueError):
            continue
        kind = "multilabel" if default_kind == "confusion" and array.ndim == 3 else default_kind
        return BestPredictions(best_epoch or 0, kind, frozen(array))
    return None
