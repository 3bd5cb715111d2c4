"""Schema versions of the project file and the steps between them (io layer).

``MIGRATIONS[n]`` turns a version-``n`` document into a version ``n + 1`` one. Loading
applies the steps in order, so old files keep opening after the format grows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FORMAT = "lossstudio.project"
SCHEMA_VERSION = 1

Document = dict[str, Any]
MIGRATIONS: dict[int, Callable[[Document], Document]] = {}


def migrate(document: Document, version: int) -> Document:
    """Bring ``document`` from ``version`` to ``SCHEMA_VERSION``."""
    while version < SCHEMA_VERSION:
        document = MIGRATIONS[version](document)
        version += 1
    document["schema_version"] = SCHEMA_VERSION
    return document
