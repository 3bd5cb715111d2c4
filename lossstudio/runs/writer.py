"""Writing one run folder: ``run.json``, ``history.csv`` and checkpoint paths (runs layer).

Standard library only. The training worker owns one :class:`RunWriter` per run: it
creates a new, uniquely named folder, appends one ``history.csv`` row per finished
epoch (flushed and fsynced, so a crash leaves a readable prefix) and rewrites
``run.json`` atomically (temporary file in the same folder, then ``os.replace``) at
most once per epoch and once at the end. Checkpoints are written by the engine to
the paths :meth:`RunWriter.checkpoint_path` gives; this module never imports torch.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from .record import (
    CHECKPOINTS_DIR,
    FIXED_COLUMNS,
    HISTORY_CSV,
    RUN_FORMAT,
    RUN_JSON,
    RUN_SCHEMA_VERSION,
    EpochRecord,
    RunStatus,
)

__all__ = ["RunWriter", "format_time", "history_header", "run_folder_name", "write_json_atomic"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_SLUG = 40


def format_time(moment: datetime) -> str:
    """ISO 8601 text of ``moment`` in UTC with millisecond precision (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def run_folder_name(name: str, started: datetime) -> str:
    """Folder name for a run: ``YYYY-MM-DD_HHMMSS_<name>`` with the start time in UTC.

    UTC keeps folder names in start order across time-zone and daylight-saving
    changes. The name part keeps ASCII letters, digits, ``.``, ``_`` and ``-``.
    """
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    slug = _UNSAFE.sub("_", name).strip("._-")[:_MAX_SLUG].rstrip("._-") or "run"
    return f"{started.astimezone(UTC):%Y-%m-%d_%H%M%S}_{slug}"


def history_header(metric_names: Sequence[str]) -> list[str]:
    """Column names of ``history.csv``: epoch, train_loss, val_loss, metrics…, seconds."""
    return ["epoch", "train_loss", "val_loss", *metric_names, "seconds"]


def _json_default(value: object) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot write {type(value).__name__} to run.json: {value!r}")


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as UTF-8 JSON to ``path`` via a fsynced temp file and ``os.replace``.

    Readers see either the old file or the new one, never a partial file.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def _format_float(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (``nan``/``inf`` included)."""
    return repr(float(value))


class RunWriter:
    """Creates a run folder and records a run into it, epoch by epoch.

    Use it from one thread (the training worker). As a context manager, leaving the
    block by an exception finishes the run as ``failed`` (``stopped`` for
    ``KeyboardInterrupt``) with the exception as the failure message, and leaving it
    normally without calling :meth:`finish` finishes it as ``completed``.
    """

    def __init__(
        self,
        runs_dir: str | os.PathLike[str],
        *,
        name: str,
        loss: str,
        metric_names: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
        project: Mapping[str, Any] | None = None,
        versions: Mapping[str, str] | None = None,
        started: datetime | None = None,
    ) -> None:
        """Create ``runs_dir/<unique folder>/`` with ``run.json`` and a header-only history."""
        names = list(metric_names)
        for metric in names:
            if not isinstance(metric, str) or not metric or metric in FIXED_COLUMNS:
                raise ValueError(f"bad metric name {metric!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate metric names in {names!r}")
        self._metric_names: tuple[str, ...] = tuple(names)
        self._name = name
        self._loss = loss
        self._settings: dict[str, Any] = dict(settings or {})
        self._project: dict[str, Any] = dict(project or {})
        self._versions: dict[str, str] = dict(versions or {})
        self._started = started if started is not None else datetime.now(UTC)
        if self._started.tzinfo is None:
            self._started = self._started.replace(tzinfo=UTC)
        self._ended: datetime | None = None
        self._status = RunStatus.running
        self._failure: str | None = None
        self._best_epoch: int | None = None
        self._best_val_loss: float | None = None
        self._epochs_done = 0
        self._last_epoch: int | None = None

        root = Path(runs_dir)
        root.mkdir(parents=True, exist_ok=True)
        self._path = self._make_unique_folder(root, run_folder_name(name, self._started))
        self._write_run_json()
        self._history: IO[str] | None = open(  # kept open for the whole run
            self._path / HISTORY_CSV, "w", encoding="utf-8", newline=""
        )
        self._csv = csv.writer(self._history, lineterminator="\n")
        self._csv.writerow(history_header(self._metric_names))
        self._sync_history()

    @staticmethod
    def _make_unique_folder(root: Path, base: str) -> Path:
        for attempt in range(1, 10_000):
            candidate = root / (base if attempt == 1 else f"{base}-{attempt}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return candidate
        raise FileExistsError(f"no free run folder name for {base!r} in {root}")

    # -- read-only state -------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The run folder."""
        return self._path

    @property
    def id(self) -> str:
        """The run id: the run folder's name."""
        return self._path.name

    @property
    def name(self) -> str:
        """The run's display name as given at creation."""
        return self._name

    @property
    def status(self) -> RunStatus:
        """Current state of the run."""
        return self._status

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Metric columns of ``history.csv``, in order."""
        return self._metric_names

    @property
    def best_epoch(self) -> int | None:
        """Epoch with the lowest finite validation loss so far (first one on ties)."""
        return self._best_epoch

    @property
    def best_val_loss(self) -> float | None:
        """Validation loss of :attr:`best_epoch`."""
        return self._best_val_loss

    @property
    def epochs_done(self) -> int:
        """Number of rows appended to ``history.csv``."""
        return self._epochs_done

    # -- recording -------------------------------------------------------------------

    def append(self, record: EpochRecord) -> bool:
        """Write one finished epoch to ``history.csv`` (flushed and fsynced) and update
        ``run.json``. Returns True when this epoch is the new best (lowest validation
        loss), so the caller knows to save ``checkpoint_path("best")``.

        Metrics missing from ``record`` are written as empty cells (read back as NaN);
        a metric not named at creation, or an epoch not after the last one, is an error.
        """
        if self._history is None or self._status.is_final:
            raise RuntimeError(f"run {self.id} is already finished ({self._status})")
        unknown = set(record.metrics) - set(self._metric_names)
        if unknown:
            raise ValueError(f"metrics {sorted(unknown)} are not columns of run {self.id}")
        if self._last_epoch is not None and record.epoch <= self._last_epoch:
            raise ValueError(f"epoch {record.epoch} does not follow epoch {self._last_epoch}")
        row = [str(record.epoch), _format_float(record.train_loss), _format_float(record.val_loss)]
        for metric in self._metric_names:
            value = record.metrics.get(metric)
            row.append("" if value is None else _format_float(value))
        row.append(_format_float(record.seconds))
        self._csv.writerow(row)
        self._sync_history()
        self._last_epoch = record.epoch
        self._epochs_done += 1
        is_best = math.isfinite(record.val_loss) and (
            self._best_val_loss is None or record.val_loss < self._best_val_loss
        )
        if is_best:
            self._best_epoch = record.epoch
            self._best_val_loss = record.val_loss
        self._write_run_json()
        return is_best

    def set_status(self, status: RunStatus | str) -> None:
        """Mark the run ``running`` or ``paused`` (use :meth:`finish` to end it)."""
        status = RunStatus(status)
        if status.is_final:
            raise ValueError(f"use finish() to end a run with status {status}")
        if self._status.is_final:
            raise RuntimeError(f"run {self.id} is already finished ({self._status})")
        if status != self._status:
            self._status = status
            self._write_run_json()

    def finish(
        self, status: RunStatus | str = RunStatus.completed, failure: str | None = None
    ) -> None:
        """End the run as completed, stopped or failed; ``failure`` says why it failed.

        Closes ``history.csv`` and writes the end time to ``run.json``.
        """
        status = RunStatus(status)
        if not status.is_final:
            raise ValueError(f"a run cannot finish as {status}")
        if self._status.is_final:
            raise RuntimeError(f"run {self.id} is already finished ({self._status})")
        self._close_history()
        self._status = status
        self._failure = failure
        self._ended = datetime.now(UTC)
        self._write_run_json()

    def checkpoint_path(self, kind: Literal["best", "last"]) -> Path:
        """Path of ``checkpoints/best.pt`` or ``checkpoints/last.pt`` (folder created)."""
        if kind not in ("best", "last"):
            raise ValueError(f"checkpoint kind must be 'best' or 'last', got {kind!r}")
        folder = self._path / CHECKPOINTS_DIR
        folder.mkdir(exist_ok=True)
        return folder / f"{kind}.pt"

    def close(self) -> None:
        """Close ``history.csv`` without changing the status (the run stays as it is)."""
        self._close_history()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._status.is_final:
            return
        if exc is None:
            self.finish(RunStatus.completed)
        elif isinstance(exc, KeyboardInterrupt):
            self.finish(RunStatus.stopped, "interrupted")
        else:
            self.finish(RunStatus.failed, f"{type(exc).__name__}: {exc}")

    # -- files -----------------------------------------------------------------------

    def _sync_history(self) -> None:
        assert self._history is not None
        self._history.flush()
        os.fsync(self._history.fileno())

    def _close_history(self) -> None:
        if self._history is not None:
            self._sync_history()
            self._history.close()
            self._history = None

    def _name_on_disk(self) -> str:
        """The name in the current ``run.json`` (a rename while running must survive)."""
        try:
            with open(self._path / RUN_JSON, encoding="utf-8") as f:
                name = json.load(f).get("name")
        except (OSError, ValueError, AttributeError):
            return self._name
        return name if isinstance(name, str) else self._name

    def _write_run_json(self) -> None:
        if (self._path / RUN_JSON).exists():
            self._name = self._name_on_disk()
        best = self._best_val_loss
        data: dict[str, Any] = {
            "format": RUN_FORMAT,
            "schema_version": RUN_SCHEMA_VERSION,
            "id": self.id,
            "name": self._name,
            "status": str(self._status),
            "started": format_time(self._started),
            "ended": None if self._ended is None else format_time(self._ended),
            "loss": self._loss,
            "metrics": list(self._metric_names),
            "best_epoch": self._best_epoch,
            "best_val_loss": best,
            "epochs_done": self._epochs_done,
            "failure": self._failure,
            "versions": self._versions,
            "settings": self._settings,
            "project": self._project,
        }
        write_json_atomic(self._path / RUN_JSON, data)
