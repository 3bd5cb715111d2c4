"""The project model behind the scripting API and the canvas (core layer).

``ProjectModel`` owns the graph, the run settings and the dataset reference. Its
editing methods (``add``, ``connect``, ``set``, ``remove``, ``move``) build edits and
hand them to ``apply``: scripts apply them at once, the app routes them through its
undo stack. Saving, data and training live in ``lossstudio.project.Project``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lossstudio.core.blocks import BLOCKS, block_spec
from lossstudio.core.edits import (
    AddNode,
    Composite,
    Connect,
    Disconnect,
    Edit,
    MoveNode,
    RemoveNode,
    SetParams,
)
from lossstudio.core.errors import GraphError, ParameterError, PortOccupiedError
from lossstudio.core.facts import FeatureFacts
from lossstudio.core.graph import Graph, Link, Node
from lossstudio.core.settings import RunSettings
from lossstudio.core.validator import Analysis, Problem, analyze

EditSink = Callable[[Edit], None]


@dataclass
class DatasetRef:
    """Where the dataset is and how its features are encoded (opaque to the core)."""

    path: str
    features: dict[str, dict[str, Any]] = field(default_factory=dict)


def coerce_params(type_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Check names and kinds of ``params`` for ``type_id``; raise ``ParameterError``."""
    spec = block_spec(type_id)
    known = spec.param_names()
    result: dict[str, Any] = {}
    for name, value in params.items():
        if name not in known:
            allowed = ", ".join(known) or "none"
            raise ParameterError(
                f"{spec.label} blocks have no parameter {name!r}; parameters: {allowed}"
            )
        result[name] = spec.param(name).coerce(value)
    return result


def _checked_position(position: Any) -> tuple[float, float]:
    """``position`` as two floats; ``ParameterError`` unless it is two finite numbers."""
    values = list(position) if isinstance(position, tuple | list) else []
    if len(values) != 2 or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in values
    ):
        raise ParameterError(f"position must be two numbers (x, y), not {position!r}")
    return (float(values[0]), float(values[1]))


class ProjectModel:
    """A model graph with run settings and a dataset reference."""

    def __init__(self) -> None:
        self.graph = Graph()
        self.settings = RunSettings()
        self.dataset: DatasetRef | None = None
        self.facts: Mapping[str, FeatureFacts] | None = None
        self.edit_sink: EditSink | None = None

    def apply(self, edit: Edit) -> None:
        """Apply ``edit`` (through the app's undo stack when one is attached)."""
        if self.edit_sink is not None:
            self.edit_sink(edit)
        else:
            edit.apply(self.graph)

    def add(
        self,
        type_id: str,
        *,
        position: tuple[float, float] | None = None,
        node_id: str | None = None,
        **params: Any,
    ) -> str:
        """Add a block of ``type_id`` with ``params``; returns its id."""
        spec = block_spec(type_id)
        values = spec.defaults()
        values.update(coerce_params(type_id, params))
        node_id = node_id or self.graph.new_id(type_id)
        if node_id in self.graph.nodes:
            raise GraphError(f"the id {node_id!r} is already used")
        place = self._next_position() if position is None else _checked_position(position)
        self.apply(AddNode(Node(node_id, type_id, values, place)))
        return node_id

    def _next_position(self) -> tuple[float, float]:
        if not self.graph.nodes:
            return (0.0, 0.0)
        rightmost = max(self.graph.nodes.values(), key=lambda node: node.position[0])
        return (rightmost.position[0] + 200.0, rightmost.position[1])

    def connect(self, source: str, target: str, port: int | None = None) -> str:
        """Link ``source``'s output to an input of ``target``; returns the link id.

        ``port`` is 0-based; by default the first free input port.
        """
        graph = self.graph
        target_node = graph.node(target)
        if port is None:
            taken = graph.input_links(target)
            count = BLOCKS[target_node.type].input_count(target_node.params)
            free = [index for index in range(count) if index not in taken]
            if count and not free:
                raise PortOccupiedError(
                    f"every input of {target!r} is already connected; remove a link first"
                )
            port = free[0] if free else 0
        graph.check_connect(source, target, port)
        link_id = graph.new_id("link")
        self.apply(Connect(Link(link_id, source, target, port)))
        return link_id

    def disconnect(self, link_id: str) -> None:
        """Remove the link ``link_id``."""
        if link_id not in self.graph.links:
            raise GraphError(f"no link has the id {link_id!r}")
        self.apply(Disconnect(self.graph.links[link_id]))

    def set(self, node_id: str, **params: Any) -> None:
        """Change parameters of block ``node_id`` by name."""
        node = self.graph.node(node_id)
        values = coerce_params(node.type, params)
        if "inputs" in values:
            used = max(self.graph.input_links(node_id), default=-1) + 1
            if values["inputs"] < used:
                raise GraphError(
                    f"input {used} of {node_id!r} is connected; remove that link before "
                    f"reducing its inputs to {values['inputs']}"
                )
        old = {name: node.params[name] for name in values}
        if old != values:
            self.apply(SetParams(node_id, values, old))

    def remove(self, *node_ids: str) -> None:
        """Remove blocks with their links (one undo step)."""
        for node_id in node_ids:
            self.graph.node(node_id)
        edits: list[Edit] = [RemoveNode(node_id) for node_id in node_ids]
        self.apply(edits[0] if len(edits) == 1 else Composite(edits, "Delete blocks"))

    def move(self, node_id: str, x: float, y: float) -> None:
        """Move block ``node_id`` to ``(x, y)``."""
        old = self.graph.node(node_id).position
        self.apply(MoveNode(node_id, _checked_position((x, y)), old))

    def analyze(self) -> Analysis:
        """The validator's full report (problems and inferred shapes)."""
        return analyze(self.graph, self.facts)

    def validate(self) -> list[Problem]:
        """The problems of the model, errors and warnings."""
        return list(self.analyze().problems)

    def target(self) -> Node | None:
        """The (first) Target block, if any."""
        return next((node for node in self.graph.nodes.values() if node.type == "target"), None)
