"""Undoable edits of the graph (core layer).

An edit is a value that applies itself to a graph and reverts exactly. The app wraps
each one in a ``QUndoCommand`` whose redo/undo call ``apply``/``revert``; scripts
apply them directly. Removing a block and undoing it restores its links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lossstudio.core.graph import Graph, Link, Node


class Edit:
    """Base of all edits: ``apply`` then ``revert`` leaves the graph as it was."""

    label = "Edit"

    def apply(self, graph: Graph) -> None:
        """Make the change."""
        raise NotImplementedError

    def revert(self, graph: Graph) -> None:
        """Undo the change."""
        raise NotImplementedError

    def merge(self, other: Edit) -> bool:
        """Absorb a following edit of the same gesture; ``True`` when merged."""
        return False


@dataclass
class AddNode(Edit):
    """Add a block."""

    node: Node

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"Add {self.node.type}"

    def apply(self, graph: Graph) -> None:
        graph.add_node(self.node.copy())

    def revert(self, graph: Graph) -> None:
        graph.remove_node(self.node.id)


@dataclass
class RemoveNode(Edit):
    """Remove a block and every link touching it."""

    node_id: str
    _node: Node | None = field(default=None, repr=False)
    _links: list[Link] = field(default_factory=list, repr=False)

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"Delete {self.node_id}"

    def apply(self, graph: Graph) -> None:
        order = {link_id: index for index, link_id in enumerate(graph.links)}
        self._links = sorted(graph.links_of(self.node_id), key=lambda link: order[link.id])
        for link in self._links:
            graph.remove_link(link.id)
        self._node = graph.remove_node(self.node_id).copy()

    def revert(self, graph: Graph) -> None:
        assert self._node is not None
        graph.add_node(self._node.copy())
        for link in self._links:
            graph.add_link(link)


@dataclass
class Connect(Edit):
    """Add a link."""

    link: Link
    label = "Connect"

    def apply(self, graph: Graph) -> None:
        graph.add_link(self.link)

    def revert(self, graph: Graph) -> None:
        graph.remove_link(self.link.id)


@dataclass
class Disconnect(Edit):
    """Remove a link."""

    link: Link
    label = "Disconnect"

    def apply(self, graph: Graph) -> None:
        graph.remove_link(self.link.id)

    def revert(self, graph: Graph) -> None:
        graph.add_link(self.link)


@dataclass
class SetParams(Edit):
    """Change parameters of one block (values already coerced)."""

    node_id: str
    new: dict[str, Any]
    old: dict[str, Any]

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"Set {', '.join(self.new)} of {self.node_id}"

    def apply(self, graph: Graph) -> None:
        graph.set_params(self.node_id, self.new)

    def revert(self, graph: Graph) -> None:
        graph.set_params(self.node_id, self.old)

    def merge(self, other: Edit) -> bool:
        """Consecutive changes of the same parameters (a spin box drag) are one step."""
        if isinstance(other, SetParams) and other.node_id == self.node_id:
            if set(other.new) == set(self.new):
                self.new = dict(other.new)
                return True
        return False


@dataclass
class MoveNode(Edit):
    """Move a block."""

    node_id: str
    new: tuple[float, float]
    old: tuple[float, float]
    label = "Move"

    def apply(self, graph: Graph) -> None:
        graph.move_node(self.node_id, self.new)

    def revert(self, graph: Graph) -> None:
        graph.move_node(self.node_id, self.old)


@dataclass
class Composite(Edit):
    """Several edits as one undo step (paste, multi-delete, a multi-block drag)."""

    edits: Sequence[Edit]
    text: str = "Edit"

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.text

    def apply(self, graph: Graph) -> None:
        done: list[Edit] = []
        try:
            for edit in self.edits:
                edit.apply(graph)
                done.append(edit)
        except Exception:
            for edit in reversed(done):
                edit.revert(graph)
            raise

    def revert(self, graph: Graph) -> None:
        for edit in reversed(self.edits):
            edit.revert(graph)
