"""Values of the runs layer: run states, one finished epoch, and the file-format names.

Standard library only. An :class:`EpochRecord` is what the trainer hands to the run
writer (and, through a Qt signal, to the evaluation pane): a frozen value of plain
floats that can cross threads safely.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = [
    "CHECKPOINTS_DIR",
    "CORRUPT",
    "FIXED_COLUMNS",
    "HISTORY_CSV",
    "RUN_FORMAT",
    "RUN_JSON",
    "RUN_SCHEMA_VERSION",
    "EpochRecord",
    "RunStatus",
]

RUN_FORMAT = "lossstudio.run"
"""Value of the ``format`` key of every ``run.json``."""

RUN_SCHEMA_VERSION = 1
"""Version of the ``run.json`` layout written by this code."""

RUN_JSON = "run.json"
HISTORY_CSV = "history.csv"
CHECKPOINTS_DIR = "checkpoints"

FIXED_COLUMNS = ("epoch", "train_loss", "val_loss", "seconds")
"""Columns of ``history.csv`` that are not metrics (``seconds`` comes last in the file)."""

CORRUPT = "corrupt"
"""Status shown for a run folder whose ``run.json`` is missing or unreadable."""


class RunStatus(StrEnum):
    """State of a run, as stored in ``run.json``."""

    running = "running"
    paused = "paused"
    completed = "completed"
    stopped = "stopped"
    failed = "failed"

    @property
    def is_final(self) -> bool:
        """True for the states a run ends in (completed, stopped, failed)."""
        return self in (RunStatus.completed, RunStatus.stopped, RunStatus.failed)


def _freeze_metrics(
    metrics: Mapping[str, float] | Iterable[tuple[str, float]],
) -> Mapping[str, float]:
    items = metrics.items() if isinstance(metrics, Mapping) else metrics
    frozen: dict[str, float] = {}
    for name, value in items:
        if not isinstance(name, str) or not name:
            raise ValueError(f"metric names must be non-empty strings, got {name!r}")
        if name in FIXED_COLUMNS:
            raise ValueError(f"{name!r} is a history column, not a metric name")
        frozen[name] = float(value)
    return MappingProxyType(frozen)


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch: average losses, metric values and wall-clock seconds.

    ``metrics`` may be given as any mapping (or pairs); it is copied into a read-only
    mapping, so a record never changes after it is made. Records compare and hash by
    value, and pickle.
    """

    epoch: int
    train_loss: float
    val_loss: float
    metrics: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.epoch, bool) or not isinstance(self.epoch, int):
            raise TypeError(f"epoch must be an int, got {self.epoch!r}")
        object.__setattr__(self, "train_loss", float(self.train_loss))
        object.__setattr__(self, "val_loss", float(self.val_loss))
        object.__setattr__(self, "seconds", float(self.seconds))
        object.__setattr__(self, "metrics", _freeze_metrics(self.metrics))

    def __hash__(self) -> int:
        return hash(
            (self.epoch, self.train_loss, self.val_loss, tuple(self.metrics.items()), self.seconds)
        )

    def __getstate__(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            "metrics": dict(self.metrics),
            "seconds": self.seconds,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "metrics", MappingProxyType(dict(state["metrics"])))

    @property
    def val_loss_is_finite(self) -> bool:
        """True when the validation loss is a real number (not NaN or infinite)."""
        return math.isfinite(self.val_loss)
