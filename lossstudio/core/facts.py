"""Facts about a dataset's features that the validator needs (core layer).

The data layer computes these from the real arrays; the core only reads them, so the
validator can check features, shapes and target domains without numpy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureFacts:
    """What the validator knows about one feature, after its encoding.

    ``shape`` is per example (no batch axis). ``minimum``/``maximum`` are over all
    examples and elements. ``integer_valued`` is true when every value is a whole
    number. ``one_hot`` is true when every example is a 0/1 vector with exactly one 1.
    ``n_classes`` is the class count of a categorical feature (one-hot width, or
    largest class index + 1 for integer labels); ``None`` when not categorical.
    """

    name: str
    shape: tuple[int, ...]
    minimum: float
    maximum: float
    integer_valued: bool
    one_hot: bool = False
    n_classes: int | None = None
