"""Shared builders of the core tests: chains of blocks, feature facts, graph dumps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from lossstudio.core.graph import Graph
from lossstudio.core.project_model import ProjectModel

BlockDef = tuple[str, dict[str, Any]]


def build_chain(model: ProjectModel, blocks: Sequence[BlockDef]) -> list[str]:
    """Add ``blocks`` to ``model`` and link each to the next; returns their ids."""
    ids = [model.add(type_id, **params) for type_id, params in blocks]
    for source, target in zip(ids, ids[1:], strict=False):
        model.connect(source, target)
    return ids


def dump_graph(graph: Graph) -> dict[str, Any]:
    """Everything a user can see of a graph, as plain values (order-insensitive)."""
    return {
        "nodes": {
            node.id: {
                "type": node.type,
                "params": {key: _plain(value) for key, value in node.params.items()},
                "position": tuple(node.position),
            }
            for node in graph.nodes.values()
        },
        "links": {
            link.id: (link.source, link.target, link.port) for link in graph.links.values()
        },
        "inputs": {
            node_id: {port: link.id for port, link in graph.input_links(node_id).items()}
            for node_id in graph.nodes
        },
        "outputs": {
            node_id: sorted(link.id for link in graph.output_links(node_id))
            for node_id in graph.nodes
        },
    }


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@pytest.fixture
def model() -> ProjectModel:
    """An empty project model (no dataset)."""
    return ProjectModel()


@pytest.fixture
def chain(model: ProjectModel) -> Callable[..., list[str]]:
    """``chain(("input", {...}), ("dense", {...}), ...)`` builds a linked chain in ``model``."""

    def build(*blocks: BlockDef) -> list[str]:
        return build_chain(model, blocks)

    return build


@pytest.fixture
def dump() -> Callable[[Graph], dict[str, Any]]:
    """The structural dump of a graph (ids, types, params, positions, links, ports)."""
    return dump_graph


@pytest.fixture
def events(model: ProjectModel) -> list[Any]:
    """Every event the model's graph emits from now on, in order."""
    seen: list[Any] = []
    model.graph.subscribe(seen.append)
    return seen
