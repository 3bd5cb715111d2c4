"""Parameter specifications of blocks: kinds, defaults, coercion and ranges (core layer).

``coerce`` refuses values of the wrong kind or outside a list of choices (an error the
user gets at once); ``range_problem`` reports numbers outside their valid range, which
the validator turns into ``invalid-parameter`` problems so a half-typed value never
loses the user's work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ParamKind(StrEnum):
    """The editor and storage kind of a parameter."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CHOICE = "choice"
    INT_PAIR = "int_pair"
    OPTIONAL_INT_PAIR = "optional_int_pair"
    SHAPE = "shape"
    FEATURE = "feature"


class ParameterError(ValueError):
    """A parameter name or value that can never be valid."""


ParamValue = Any


@dataclass(frozen=True)
class ParamSpec:
    """One block parameter: name, kind, default and valid range or choices."""

    name: str
    kind: ParamKind
    default: ParamValue
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False
    max_open: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def title(self) -> str:
        """Label shown in editors."""
        return self.label or self.name.replace("_", " ").capitalize()

    def coerce(self, value: ParamValue) -> ParamValue:
        """Return ``value`` in canonical form, or raise ``ParameterError`` naming it."""
        kind = self.kind
        if kind is ParamKind.BOOL:
            if isinstance(value, bool):
                return value
            raise ParameterError(f"{self.name} must be true or false, not {value!r}")
        if kind is ParamKind.INT:
            return self._int(value)
        if kind is ParamKind.FLOAT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParameterError(f"{self.name} must be a number, not {value!r}")
            return float(value)
        if kind is ParamKind.CHOICE:
            if value not in self.choices:
                allowed = ", ".join(self.choices)
                raise ParameterError(f"{self.name} cannot be {value!r}; allowed: {allowed}")
            return value
        if kind is ParamKind.FEATURE:
            if not isinstance(value, str):
                raise ParameterError(f"{self.name} must be a feature name, not {value!r}")
            return value
        if kind is ParamKind.OPTIONAL_INT_PAIR and value is None:
            return None
        if kind in (ParamKind.INT_PAIR, ParamKind.OPTIONAL_INT_PAIR):
            if isinstance(value, int) and not isinstance(value, bool):
                value = [value, value]
            return self._int_list(value, length=2)
        return self._int_list(value, length=None)

    def _int(self, value: ParamValue) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(f"{self.name} must be a whole number, not {value!r}")
        if isinstance(value, float) and not value.is_integer():
            raise ParameterError(f"{self.name} must be a whole number, not {value!r}")
        return int(value)

    def _int_list(self, value: ParamValue, length: int | None) -> list[int]:
        if isinstance(value, str) or not isinstance(value, Sequence):
            what = f"{length} whole numbers" if length else "a list of whole numbers"
            raise ParameterError(f"{self.name} must be {what}, not {value!r}")
        items = [self._int(item) for item in value]
        if length is not None and len(items) != length:
            raise ParameterError(f"{self.name} must have {length} numbers, not {len(items)}")
        if length is None and not items:
            raise ParameterError(f"{self.name} must have at least one number")
        return items

    @property
    def has_range(self) -> bool:
        """False for kinds that ``coerce`` fully checks (booleans, choices)."""
        return self.kind not in (ParamKind.BOOL, ParamKind.CHOICE)

    def range_problem(self, value: ParamValue) -> str | None:
        """A sentence saying why ``value`` is out of range, or ``None`` when it is fine."""
        if self.kind in (ParamKind.INT, ParamKind.FLOAT):
            return self._number_problem(value)
        if self.kind in (ParamKind.INT_PAIR, ParamKind.OPTIONAL_INT_PAIR) and value is not None:
            if any(item < 1 for item in value):
                return f"{self.title} must be at least 1 in each direction"
        if self.kind is ParamKind.SHAPE:
            if any(item == 0 or item < -1 for item in value) or value.count(-1) > 1:
                return f"{self.title} needs positive sizes (at most one −1)"
        if self.kind is ParamKind.FEATURE and not value:
            return f"{self.title} is not chosen"
        return None

    def _number_problem(self, value: float) -> str | None:
        low, high = self.minimum, self.maximum
        too_low = low is not None and (value < low or (self.min_open and value == low))
        too_high = high is not None and (value > high or (self.max_open and value == high))
        if not (too_low or too_high):
            return None
        return f"{self.title} must be {self.range_text()}, not {value:g}"

    def range_text(self) -> str:
        """The valid range in words, e.g. ``≥ 1`` or ``in [0, 1)``."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            left = "(" if self.min_open else "["
            right = ")" if self.max_open else "]"
            return f"in {left}{low:g}, {high:g}{right}"
        if low is not None:
            return f"> {low:g}" if self.min_open else f"≥ {low:g}"
        if high is not None:
            return f"< {high:g}" if self.max_open else f"≤ {high:g}"
        return "any value"
