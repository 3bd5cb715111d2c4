"""Run folders of LossStudio: run.json, history.csv, listing and loading (no torch)."""

from __future__ import annotations

from .history import History, read_history
from .predictions import BestPredictions, load_predictions, save_predictions
from .reader import (
    LoadedRun,
    RunFileError,
    RunSummary,
    delete_run,
    list_runs,
    load_run,
    rename_run,
)
from .record import CORRUPT, RUN_FORMAT, RUN_SCHEMA_VERSION, EpochRecord, RunStatus
from .table import format_runs_table
from .writer import RunWriter

__all__ = [
    "CORRUPT",
    "BestPredictions",
    "RUN_FORMAT",
    "RUN_SCHEMA_VERSION",
    "EpochRecord",
    "History",
    "LoadedRun",
    "RunFileError",
    "RunStatus",
    "RunSummary",
    "RunWriter",
    "delete_run",
    "format_runs_table",
    "list_runs",
    "load_predictions",
    "load_run",
    "read_history",
    "rename_run",
    "save_predictions",
]
