"""The one error type of the data layer (data layer).

Every problem with a dataset file becomes a :class:`DataError` whose message names the
file and, where it applies, the column or array, the line (1-based in CSV files, the
header being line 1) or example, and what to do about it. The parts are also kept as
attributes so the app can point at them.
"""

from __future__ import annotations

import os


class DataError(Exception):
    """A dataset file that cannot be used, with a message a user can act on.

    The message reads ``"<file>: line 17, column 'age': <problem>. <hint>"``, leaving out
    the parts that do not apply. ``path``, ``line``, ``column``, ``array`` and
    ``example`` (0-based index along the first axis of an array) are kept as attributes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        problem: str,
        *,
        hint: str | None = None,
        line: int | None = None,
        column: str | None = None,
        array: str | None = None,
        example: int | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        self.hint = hint
        self.line = line
        self.column = column
        self.array = array
        self.example = example
        super().__init__(self._compose())

    def _compose(self) -> str:
        place: list[str] = []
        if self.line is not None:
            place.append(f"line {self.line}")
        if self.column is not None:
            place.append(f"column {self.column!r}")
        if self.array is not None:
            place.append(f"array {self.array!r}")
        if self.example is not None:
            place.append(f"example {self.example}")
        head = self.path if not place else f"{self.path}: {', '.join(place)}"
        text = f"{head}: {self.problem}"
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return text
