"""Reading run folders: listing, loading, history columns, rename and delete (runs layer).

Standard library and numpy only. Every reader here tolerates what a crash or a user
can leave behind: a missing or corrupt ``run.json`` (the run is listed with status
``"corrupt"`` and a problem message), a truncated last line in ``history.csv`` (the
readable prefix is kept, the line is reported) and a run that is still being written.
A run marked ``running`` stays ``running`` however old its files are: nothing is
guessed. Listing reads only ``run.json``; ``history.csv`` is read when first asked for.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .history import History, read_history
from .record import CHECKPOINTS_DIR, CORRUPT, HISTORY_CSV, RUN_FORMAT, RUN_JSON, RunStatus
from .writer import write_json_atomic

__all__ = [
    "LoadedRun",
    "RunFileError",
    "RunSummary",
    "delete_run",
    "list_runs",
    "load_run",
    "rename_run",
]

_FOLDER_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}_\d{6})")


class RunFileError(Exception):
    """A run folder cannot be changed as asked (not a run, or its run.json is unreadable)."""


@dataclass(frozen=True)
class _RunJson:
    """What could be read from one ``run.json``, with the problems found on the way."""

    data: dict[str, Any] | None
    status: str
    problems: tuple[str, ...]


def _read_run_json(folder: Path) -> _RunJson:
    try:
        with open(folder / RUN_JSON, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return _RunJson(None, CORRUPT, ("run.json is missing",))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return _RunJson(None, CORRUPT, (f"run.json is corrupt ({exc})",))
    if not isinstance(data, dict) or data.get("format") != RUN_FORMAT:
        return _RunJson(None, CORRUPT, ("run.json is not a LossStudio run file",))
    raw_status = data.get("status")
    if isinstance(raw_status, str) and raw_status in RunStatus.__members__:
        return _RunJson(data, RunStatus(raw_status), ())
    return _RunJson(data, CORRUPT, (f"run.json has an unknown status {raw_status!r}",))


def _field(
    info: _RunJson, key: str, check: Callable[[Any], bool], problems: list[str] | None
) -> Any:
    """``info.data[key]`` when it passes ``check``; otherwise None (a problem if present)."""
    if info.data is None:
        return None
    value = info.data.get(key)
    if value is None or check(value):
        return value
    if problems is not None:
        problems.append(f"run.json field {key!r} has a bad value {value!r}; it was ignored")
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _parse_time(text: str | None, key: str, problems: list[str]) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"run.json field {key!r} is not an ISO 8601 time: {text!r}")
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _folder_time(name: str) -> datetime | None:
    match = _FOLDER_TIME.match(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y-%m-%d_%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class RunSummary:
    """One line of a runs listing, read from ``run.json`` only.

    ``status`` is a :class:`RunStatus` value, or ``"corrupt"`` when ``run.json`` is
    missing or unreadable; ``problem`` then says what is wrong (None when all is well).
    """

    id: str
    name: str
    path: Path
    status: str
    loss: str | None
    best_epoch: int | None
    best_val_loss: float | None
    epochs_done: int | None
    started: datetime | None
    ended: datetime | None = None
    problem: str | None = None


def _summarize(folder: Path, info: _RunJson) -> tuple[RunSummary, list[str]]:
    """The listing line of a run folder, and every problem found in its run.json."""
    problems = list(info.problems)
    summary = RunSummary(
        id=folder.name,
        name=_field(info, "name", _is_str, problems) or folder.name,
        path=folder,
        status=info.status,
        loss=_field(info, "loss", _is_str, problems),
        best_epoch=_field(info, "best_epoch", _is_int, problems),
        best_val_loss=_as_float(_field(info, "best_val_loss", _is_number, problems)),
        epochs_done=_field(info, "epochs_done", _is_int, problems),
        started=_parse_time(_field(info, "started", _is_str, problems), "started", problems),
        ended=_parse_time(_field(info, "ended", _is_str, problems), "ended", problems),
    )
    if problems:
        summary = replace(summary, problem="; ".join(problems))
    return summary, problems


def _as_float(value: int | float | None) -> float | None:
    return None if value is None else float(value)


def _looks_like_run(folder: Path) -> bool:
    return (folder / RUN_JSON).is_file() or (folder / HISTORY_CSV).is_file()


def list_runs(runs_dir: str | os.PathLike[str]) -> list[RunSummary]:
    """One :class:`RunSummary` per run folder in ``runs_dir``, oldest start first.

    A subfolder is a run when it holds ``run.json`` or ``history.csv``; others are
    skipped. Only ``run.json`` is read. A missing ``runs_dir`` lists no runs.
    Runs without a readable start time are ordered by the time in their folder name.
    """
    root = Path(runs_dir)
    try:
        entries = list(os.scandir(root))
    except (FileNotFoundError, NotADirectoryError):
        return []
    summaries: list[RunSummary] = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        folder = Path(entry.path)
        info = _read_run_json(folder)
        if info.data is None and not _looks_like_run(folder):
            continue
        summaries.append(_summarize(folder, info)[0])
    latest = datetime.max.replace(tzinfo=UTC)
    summaries.sort(key=lambda s: (s.started or _folder_time(s.id) or latest, s.id))
    return summaries


class LoadedRun:
    """A read-only view of one run folder; ``history`` is read on first access.

    Fields come from ``run.json``; when it is missing or corrupt, ``status`` is
    ``"corrupt"``, ``problems`` says why, and ``best_epoch``/``best_val_loss`` are
    taken from the history instead.
    """

    def __init__(self, path: Path, info: _RunJson) -> None:
        self._path = path
        self._info = info
        self._summary, problems = _summarize(path, info)
        self._settings: dict[str, Any] = _field(info, "settings", _is_dict, problems) or {}
        self._project: dict[str, Any] = _field(info, "project", _is_dict, problems) or {}
        self._versions: dict[str, Any] = _field(info, "versions", _is_dict, problems) or {}
        self._failure: str | None = _field(info, "failure", _is_str, problems)
        metrics = _field(info, "metrics", lambda v: isinstance(v, list), problems)
        self._metric_names: tuple[str, ...] | None = (
            None if metrics is None else tuple(str(m) for m in metrics)
        )
        self._json_problems = problems

    def __repr__(self) -> str:
        return f"LoadedRun({str(self._path)!r}, status={self.status!r})"

    @property
    def path(self) -> Path:
        """The run folder."""
        return self._path

    @property
    def id(self) -> str:
        """The run id (the folder name)."""
        return self._summary.id

    @property
    def name(self) -> str:
        """Display name (the folder name when run.json has none)."""
        return self._summary.name

    @property
    def status(self) -> str:
        """A :class:`RunStatus` value, or ``"corrupt"``."""
        return self._summary.status

    @property
    def loss(self) -> str | None:
        """Id of the loss the run trained with."""
        return self._summary.loss

    @property
    def started(self) -> datetime | None:
        """Start time (UTC)."""
        return self._summary.started

    @property
    def ended(self) -> datetime | None:
        """End time (UTC); None while running or after a crash."""
        return self._summary.ended

    @property
    def failure(self) -> str | None:
        """Why the run failed, or None."""
        return self._failure

    @property
    def settings(self) -> dict[str, Any]:
        """Run settings as written (a plain dict)."""
        return self._settings

    @property
    def project(self) -> dict[str, Any]:
        """The project snapshot that was trained (a plain dict)."""
        return self._project

    @property
    def versions(self) -> dict[str, Any]:
        """Library versions recorded when the run started."""
        return self._versions

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Metric names from run.json, or from the history header when it is unreadable."""
        if self._metric_names is not None:
            return self._metric_names
        return self.history.metric_names

    @property
    def epochs_done(self) -> int:
        """Finished epochs according to run.json (history rows when it is unreadable)."""
        done = self._summary.epochs_done
        return len(self.history) if done is None else done

    @property
    def best_epoch(self) -> int | None:
        """Epoch with the lowest validation loss."""
        if self._info.data is not None:
            return self._summary.best_epoch
        return self._history_best()[0]

    @property
    def best_val_loss(self) -> float | None:
        """Lowest validation loss."""
        if self._info.data is not None:
            return self._summary.best_val_loss
        return self._history_best()[1]

    def _history_best(self) -> tuple[int | None, float | None]:
        history = self.history
        if "val_loss" not in history or "epoch" not in history:
            return None, None
        val = history["val_loss"]
        finite = np.isfinite(val)
        if not finite.any():
            return None, None
        index = int(np.argmin(np.where(finite, val, np.inf)))
        return int(history["epoch"][index]), float(val[index])

    @cached_property
    def _history_and_problems(self) -> tuple[History, tuple[str, ...]]:
        history, problems = read_history(self._path / HISTORY_CSV)
        return history, tuple(problems)

    @property
    def history(self) -> History:
        """Per-epoch columns by name (``history["val_loss"]``); read on first access."""
        return self._history_and_problems[0]

    @property
    def problems(self) -> list[str]:
        """Everything wrong with the folder (reads the history to check it too)."""
        return [*self._json_problems, *self._history_and_problems[1]]

    def summary(self) -> RunSummary:
        """This run as one listing line."""
        return self._summary

    def checkpoint_path(self, kind: Literal["best", "last"]) -> Path:
        """Path of ``checkpoints/best.pt`` or ``checkpoints/last.pt`` (may not exist)."""
        if kind not in ("best", "last"):
            raise ValueError(f"checkpoint kind must be 'best' or 'last', got {kind!r}")
        return self._path / CHECKPOINTS_DIR / f"{kind}.pt"


def load_run(path: str | os.PathLike[str]) -> LoadedRun:
    """Open the run folder ``path`` read-only. Raises FileNotFoundError if it is no folder."""
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"no run folder at {folder}")
    return LoadedRun(folder, _read_run_json(folder))


def rename_run(path: str | os.PathLike[str], new_name: str) -> None:
    """Set the run's display name in ``run.json`` (atomically); the folder keeps its id."""
    folder = Path(path)
    new_name = new_name.strip()
    if not new_name:
        raise ValueError("a run name cannot be empty")
    info = _read_run_json(folder)
    if info.data is None:
        raise RunFileError(f"cannot rename {folder.name}: {'; '.join(info.problems)}")
    write_json_atomic(folder / RUN_JSON, {**info.data, "name": new_name})


def delete_run(path: str | os.PathLike[str]) -> None:
    """Delete the run folder ``path`` with everything in it.

    Refuses (RunFileError) a folder that holds neither ``run.json`` nor
    ``history.csv``, so a wrong path cannot remove an unrelated folder.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"no run folder at {folder}")
    if not _looks_like_run(folder):
        raise RunFileError(f"{folder} does not look like a run folder; not deleted")
    shutil.rmtree(folder)
