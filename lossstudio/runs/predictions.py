"""The best epoch's validation predictions, reduced for plotting, in a run folder (no torch).

The trainer reduces the validation predictions of every epoch that improves the
validation loss to what the Evaluation view draws, and the run-folder callback saves
them as one ``.npy`` file in the run's ``predictions/`` folder (numpy only, read back with
``allow_pickle=False``), so a run opened offline — trained from the window, headless
or under ``torchrun`` — shows the same confusion matrix or error histogram.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PREDICTIONS_DIR = "predictions"
"""Folder of a run that holds one of the two files below."""
CONFUSION_FILE = "best_confusion.npy"
"""Confusion counts of the best epoch's validation predictions (classification)."""
ERRORS_FILE = "best_errors.npy"
"""Errors (prediction − target) of the best epoch's validation predictions (regression)."""
MAX_ERRORS = 200_000
"""At most this many errors are kept (evenly spaced) for the histogram."""


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


def frozen(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only (a copy is not made)."""
    array.setflags(write=False)
    return array


def spaced_sample(values: np.ndarray, limit: int = MAX_ERRORS) -> np.ndarray:
    """At most ``limit`` of ``values``, evenly spaced (all of them when they fit)."""
    if values.size <= limit:
        return values
    return values[np.linspace(0, values.size - 1, limit).astype(np.int64)]


def save_predictions(run_path: Path, predictions: BestPredictions) -> Path:
    """Write the array to ``predictions/best_confusion.npy`` or ``best_errors.npy``
    atomically (a temporary file renamed over the old one)."""
    folder = Path(run_path) / PREDICTIONS_DIR
    folder.mkdir(exist_ok=True)
    name = ERRORS_FILE if predictions.kind == "errors" else CONFUSION_FILE
    target = folder / name
    temporary = folder / f".{name}.tmp"
    with open(temporary, "wb") as handle:
        np.save(handle, predictions.array, allow_pickle=False)
    os.replace(temporary, target)
    return target


def load_predictions(run_path: Path, best_epoch: int | None) -> BestPredictions | None:
    """The best epoch's predictions saved in a run folder, or None when there are none.

    The file is rewritten each time the validation loss improves, so it belongs to the
    run's ``best_epoch`` (from ``run.json``).
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
