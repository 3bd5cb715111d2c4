"""The error every project-file problem becomes (io layer)."""

from __future__ import annotations


class ProjectFileError(Exception):
    """A project file that cannot be read or written; the message names the place."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.detail = message
