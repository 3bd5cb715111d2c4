"""Typed errors of the graph model and the scripting API (core layer)."""

from __future__ import annotations

from lossstudio.core.params import ParameterError

__all__ = [
    "GraphError", "CycleError", "PortOccupiedError", "MissingPortError",
    "UnknownBlockError", "UnknownNodeError", "ParameterError",
]


class GraphError(ValueError):
    """An edit the graph refuses; the message says why, for the user."""


class CycleError(GraphError):
    """The link would make a cycle."""


class PortOccupiedError(GraphError):
    """The input port already has a link."""


class MissingPortError(GraphError):
    """The port does not exist on the block."""


class UnknownNodeError(GraphError, KeyError):
    """No block has that id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownBlockError(GraphError):
    """No block type has that id."""

    def __init__(self, type_id: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown block type {type_id!r}; known types: {', '.join(known)}")
        self.type_id = type_id
