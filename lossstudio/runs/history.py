"""Reading ``history.csv`` into columns by name (runs layer; standard library and numpy).

The file is what :class:`~lossstudio.runs.writer.RunWriter` appends: a header
``epoch,train_loss,val_loss,<metrics…>,seconds`` and one row per finished epoch, each
ending in a newline. A last line without its newline was cut short by a crash or is
being written right now; it is ignored and reported, never half-read. Empty cells read
as NaN.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .record import FIXED_COLUMNS, EpochRecord

__all__ = ["History", "read_history"]


def _read_only(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    array.setflags(write=False)
    return array


class History:
    """Per-epoch columns of one run, by name: ``history["val_loss"]`` is a float array.

    ``epoch`` is an int64 array; every other column is float64 (NaN where a cell was
    empty). Arrays are read-only. ``len(history)`` is the number of epochs (rows).
    """

    def __init__(self, columns: Sequence[str], data: Mapping[str, Sequence[float]]) -> None:
        """Build from column names and equal-length sequences of values per column."""
        self._columns = tuple(columns)
        self._data: dict[str, npt.NDArray[np.generic]] = {}
        lengths = {len(data[name]) for name in self._columns}
        if len(lengths) > 1:
            raise ValueError(f"history columns have different lengths: {sorted(lengths)}")
        self._rows = lengths.pop() if lengths else 0
        for name in self._columns:
            dtype = np.int64 if name == "epoch" else np.float64
            self._data[name] = _read_only(np.asarray(data[name], dtype=dtype))

    @classmethod
    def empty(cls, columns: Sequence[str] = ()) -> History:
        """A history with the given columns and no rows."""
        return cls(columns, {name: [] for name in columns})

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names in file order."""
        return self._columns

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The columns that are metrics (all but epoch, train_loss, val_loss, seconds)."""
        return tuple(name for name in self._columns if name not in FIXED_COLUMNS)

    def __len__(self) -> int:
        return self._rows

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __getitem__(self, name: str) -> npt.NDArray[np.generic]:
        try:
            return self._data[name]
        except KeyError:
            raise KeyError(f"no history column {name!r}; columns are {self._columns}") from None

    def get(
        self, name: str, default: npt.NDArray[np.generic] | None = None
    ) -> npt.NDArray[np.generic] | None:
        """Column ``name``, or ``default`` when there is no such column."""
        return self._data.get(name, default)

    def __repr__(self) -> str:
        return f"History(columns={self._columns!r}, rows={self._rows})"

    def records(self) -> tuple[EpochRecord, ...]:
        """The rows as :class:`EpochRecord` values (needs the standard columns)."""
        missing = [name for name in FIXED_COLUMNS if name not in self._data]
        if missing:
            raise KeyError(f"history has no column(s) {missing}")
        metrics = self.metric_names
        return tuple(self._record(i, metrics) for i in range(self._rows))

    def _record(self, i: int, metrics: Sequence[str]) -> EpochRecord:
        return EpochRecord(
            epoch=int(self._data["epoch"][i]),
            train_loss=float(self._data["train_loss"][i]),
            val_loss=float(self._data["val_loss"][i]),
            metrics={name: float(self._data[name][i]) for name in metrics},
            seconds=float(self._data["seconds"][i]),
        )

    def __iter__(self) -> Iterator[str]:
        """Column names, like a mapping's keys (``in`` and ``[]`` also take names)."""
        return iter(self._columns)


def _parse_cell(text: str, integer: bool) -> float:
    if text.strip() == "":
        if integer:
            raise ValueError("empty epoch")
        return math.nan
    if integer:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"epoch {text!r} is not a whole number")
        return int(value)
    return float(text)


def read_history(path: Path) -> tuple[History, list[str]]:
    """Read ``history.csv`` at ``path``; returns the readable rows and the problems found.

    Never raises for a damaged file: a missing or unreadable file gives an empty
    history, a truncated last line or a malformed row is skipped and reported.
    """
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        return History.empty(), ["history.csv is missing"]
    except OSError as exc:
        return History.empty(), [f"history.csv cannot be read ({exc})"]
    lines = text.split("\n")
    partial = lines.pop()  # "" when the file ends with a newline, as a finished write does
    problems: list[str] = []
    if not lines:
        what = "is empty" if partial == "" else "has a truncated header"
        return History.empty(), [f"history.csv {what}"]
    header = next(csv.reader([lines[0].rstrip("\r")]))
    if not header or len(set(header)) != len(header) or any(not name for name in header):
        return History.empty(), [f"history.csv has a bad header {lines[0]!r}"]
    missing = [name for name in FIXED_COLUMNS if name not in header]
    if missing:
        problems.append(f"history.csv has no column(s) {', '.join(missing)}")
    integer = [name == "epoch" for name in header]
    values: dict[str, list[float]] = {name: [] for name in header}
    row_number = 0
    for line in lines[1:]:
        line = line.rstrip("\r")
        if line.strip() == "":
            continue
        row_number += 1
        cells = next(csv.reader([line]))
        if len(cells) != len(header):
            problems.append(
                f"history.csv row {row_number} has {len(cells)} fields, expected "
                f"{len(header)}; it was ignored"
            )
            continue
        try:
            parsed = [
                _parse_cell(cell, is_int) for cell, is_int in zip(cells, integer, strict=True)
            ]
        except ValueError:
            problems.append(f"history.csv row {row_number} is malformed; it was ignored")
            continue
        for name, value in zip(header, parsed, strict=True):
            values[name].append(value)
    if partial.strip() != "":
        problems.append(
            f"history.csv has a truncated last line (row {row_number + 1}); it was ignored"
        )
    return History(header, values), problems
