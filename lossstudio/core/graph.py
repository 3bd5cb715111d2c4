"""The model graph: blocks, links between ports, events and typed refusals (core layer).

The graph is the one owner of the model's mutable state. Every change emits an event
to its subscribers (the canvas mirrors them, the validator recomputes on them). A
link that would make a cycle, fill an occupied input or name a missing port is
refused before anything changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lossstudio.core.blocks import block_spec
from lossstudio.core.errors import (
    CycleError,
    MissingPortError,
    PortOccupiedError,
    UnknownNodeError,
)


@dataclass
class Node:
    """A block on the canvas: stable id, type, parameters and position."""

    id: str
    type: str
    params: dict[str, Any]
    position: tuple[float, float] = (0.0, 0.0)

    def copy(self) -> Node:
        """A deep-enough copy (parameter lists copied)."""
        params = {key: list(v) if isinstance(v, list) else v for key, v in self.params.items()}
        return Node(self.id, self.type, params, self.position)


@dataclass(frozen=True)
class Link:
    """A link from a block's output to input ``port`` (0-based) of another block."""

    id: str
    source: str
    target: str
    port: int = 0


@dataclass(frozen=True)
class NodeAdded:
    node_id: str


@dataclass(frozen=True)
class NodeRemoved:
    node_id: str


@dataclass(frozen=True)
class LinkAdded:
    link: Link


@dataclass(frozen=True)
class LinkRemoved:
    link: Link


@dataclass(frozen=True)
class ParamsChanged:
    node_id: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class NodeMoved:
    node_id: str
    position: tuple[float, float]


GraphEvent = NodeAdded | NodeRemoved | LinkAdded | LinkRemoved | ParamsChanged | NodeMoved
Listener = Callable[[GraphEvent], None]


@dataclass
class Graph:
    """Blocks and links, with adjacency kept in step and events on every change."""

    nodes: dict[str, Node] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    _inputs: dict[str, dict[int, str]] = field(default_factory=dict, repr=False)
    _outputs: dict[str, dict[str, None]] = field(default_factory=dict, repr=False)
    """Links out of each block, as an insertion-ordered set (same order in every process)."""
    _listeners: list[Listener] = field(default_factory=list, repr=False)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(event)`` after every change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: GraphEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def new_id(self, prefix: str) -> str:
        """A fresh id ``prefix_N`` not used by any block or link."""
        for number in itertools.count(1):
            candidate = f"{prefix}_{number}"
            if candidate not in self.nodes and candidate not in self.links:
                return candidate
        raise AssertionError("unreachable")

    def node(self, node_id: str) -> Node:
        """The block ``node_id``; ``UnknownNodeError`` names it otherwise."""
        try:
            return self.nodes[node_id]
        except KeyError:
            raise UnknownNodeError(f"no block has the id {node_id!r}") from None

    def add_node(self, node: Node) -> None:
        """Insert ``node`` (its id must be new)."""
        if node.id in self.nodes or node.id in self.links:
            raise ValueError(f"the id {node.id!r} is already used")
        self.nodes[node.id] = node
        self._inputs[node.id] = {}
        self._outputs[node.id] = {}
        self._emit(NodeAdded(node.id))

    def remove_node(self, node_id: str) -> Node:
        """Remove a block that has no links left; returns it."""
        self.node(node_id)
        if self._inputs[node_id] or self._outputs[node_id]:
            raise ValueError(f"block {node_id!r} still has links")
        node = self.nodes.pop(node_id)
        del self._inputs[node_id], self._outputs[node_id]
        self._emit(NodeRemoved(node_id))
        return node

    def check_connect(self, source: str, target: str, port: int) -> None:
        """Raise a ``GraphError`` subclass when the link is not allowed."""
        source_node, target_node = self.node(source), self.node(target)
        source_spec, target_spec = block_spec(source_node.type), block_spec(target_node.type)
        if not source_spec.has_output:
            raise MissingPortError(f"{source_spec.label} block {source!r} has no output")
        count = target_spec.input_count(target_node.params)
        if not 0 <= port < count:
            raise MissingPortError(
                f"{target_spec.label} block {target!r} has no input {port + 1}"
                + (f" (it has {count})" if count else " (it has none)")
            )
        if port in self._inputs[target]:
            raise PortOccupiedError(
                f"input {port + 1} of {target!r} is already connected; remove that link first"
            )
        if source == target or self.reaches(target, source):
            raise CycleError(f"linking {source!r} to {target!r} would make a cycle")

    def add_link(self, link: Link) -> None:
        """Insert ``link`` after ``check_connect``."""
        if link.id in self.links or link.id in self.nodes:
            raise ValueError(f"the id {link.id!r} is already used")
        self.check_connect(link.source, link.target, link.port)
        self.links[link.id] = link
        self._inputs[link.target][link.port] = link.id
        self._outputs[link.source][link.id] = None
        self._emit(LinkAdded(link))

    def remove_link(self, link_id: str) -> Link:
        """Remove and return the link ``link_id``."""
        link = self.links.pop(link_id)
        del self._inputs[link.target][link.port]
        self._outputs[link.source].pop(link_id, None)
        self._emit(LinkRemoved(link))
        return link

    def set_params(self, node_id: str, values: Mapping[str, Any]) -> None:
        """Store already-coerced parameter values."""
        node = self.node(node_id)
        node.params.update(values)
        self._emit(ParamsChanged(node_id, tuple(values)))

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        """Place the block at ``position`` (scene coordinates)."""
        self.node(node_id).position = (float(position[0]), float(position[1]))
        self._emit(NodeMoved(node_id, self.nodes[node_id].position))

    def input_links(self, node_id: str) -> dict[int, Link]:
        """The links into ``node_id`` by port."""
        return {port: self.links[lid] for port, lid in self._inputs[node_id].items()}

    def output_links(self, node_id: str) -> list[Link]:
        """The links out of ``node_id``, in creation order."""
        return [self.links[lid] for lid in self._outputs[node_id]]

    def links_of(self, node_id: str) -> list[Link]:
        """Every link touching ``node_id``."""
        return [*self.input_links(node_id).values(), *self.output_links(node_id)]

    def predecessors(self, node_id: str) -> list[str]:
        """Source blocks of ``node_id``'s inputs, by port order."""
        inputs = self._inputs[node_id]
        if len(inputs) < 2:
            return [self.links[link_id].source for link_id in inputs.values()]
        return [self.links[inputs[port]].source for port in sorted(inputs)]

    def successors(self, node_id: str) -> Iterator[str]:
        """Blocks fed by ``node_id``."""
        return (self.links[lid].target for lid in self._outputs[node_id])

    def reaches(self, start: str, goal: str) -> bool:
        """True when a path of links leads from ``start`` to ``goal``."""
        stack, seen = [start], {start}
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            for nxt in self.successors(current):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    def topological_order(self) -> list[str]:
        """Block ids with every block after all of its inputs (Kahn's algorithm)."""
        pending = {node_id: len(self._inputs[node_id]) for node_id in self.nodes}
        ready = [node_id for node_id, count in pending.items() if count == 0]
        order: list[str] = []
        while ready:
            current = ready.pop()
            order.append(current)
            for nxt in self.successors(current):
                pending[nxt] -= 1
                if pending[nxt] == 0:
                    ready.append(nxt)
        return order

