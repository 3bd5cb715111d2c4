"""Intervals of real numbers: activation output ranges and loss domains (core layer)."""

from __future__ import annotations

import math
from dataclasses import dataclass

INF = math.inf


def format_number(value: float) -> str:
    """Format a bound for a message: ``0``, ``1``, ``-1.758``, ``∞``."""
    if value == INF:
        return "∞"
    if value == -INF:
        return "−∞"
    if float(value).is_integer():
        return str(int(value)).replace("-", "−")
    return f"{value:.3f}".rstrip("0").replace("-", "−")


@dataclass(frozen=True)
class Interval:
    """An interval of the real line with open or closed ends."""

    low: float
    high: float
    low_closed: bool = False
    high_closed: bool = False

    def contains(self, other: Interval) -> bool:
        """True when every value of ``other`` lies in this interval."""
        return self._low_ok(other) and self._high_ok(other)

    def _low_ok(self, other: Interval) -> bool:
        if other.low > self.low:
            return True
        return other.low == self.low and (self.low_closed or not other.low_closed)

    def _high_ok(self, other: Interval) -> bool:
        if other.high < self.high:
            return True
        return other.high == self.high and (self.high_closed or not other.high_closed)

    def contains_value(self, value: float) -> bool:
        """True when the number ``value`` lies in this interval."""
        above = value > self.low or (value == self.low and self.low_closed)
        below = value < self.high or (value == self.high and self.high_closed)
        return above and below

    def notation(self) -> str:
        """Mathematical notation, e.g. ``(0, ∞)`` or ``[0, 1]``."""
        left = "[" if self.low_closed else "("
        right = "]" if self.high_closed else ")"
        return f"{left}{format_number(self.low)}, {format_number(self.high)}{right}"

    def describe(self) -> str:
        """Plain words for messages: ``> 0``, ``between 0 and 1``, ``any real value``."""
        low, high = format_number(self.low), format_number(self.high)
        if self.low == -INF and self.high == INF:
            return "any real value"
        if self.high == INF:
            return f"≥ {low}" if self.low_closed else f"> {low}"
        if self.low == -INF:
            return f"≤ {high}" if self.high_closed else f"< {high}"
        if not self.low_closed and not self.high_closed:
            return f"strictly between {low} and {high}"
        return f"in {self.notation()}"

    def escape(self, other: Interval) -> str:
        """Say how ``other`` leaves this interval, e.g. ``can output 0``."""
        if not self._low_ok(other):
            if other.low == -INF:
                return "can output any negative value"
            if other.low == self.low:
                return f"can output {format_number(other.low)}"
            return f"can output values down to {format_number(other.low)}"
        if not self._high_ok(other):
            if other.high == INF:
                return "can output any large value"
            if other.high == self.high:
                return f"can output {format_number(other.high)}"
            return f"can output values up to {format_number(other.high)}"
        return "stays inside"


REAL_LINE = Interval(-INF, INF)
