"""Undoable edits: every kind reverts exactly, deletes restore links, composites roll back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
from lossstudio.core.errors import MissingPortError, PortOccupiedError
from lossstudio.core.graph import (
    Graph,
    Link,
    LinkAdded,
    LinkRemoved,
    Node,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    ParamsChanged,
)
from lossstudio.core.project_model import ProjectModel

Dump = Callable[[Graph], dict[str, Any]]


@pytest.fixture
def ids(model: ProjectModel) -> dict[str, str]:
    """A branched model: input → conv → pool → flatten → (dense a, dense b) → concat → target."""
    x = model.add("input", feature="img", position=(0, 0))
    conv = model.add("conv2d", filters=8, kernel_size=[5, 5], position=(100, 0))
    flat = model.add("flatten", position=(200, 0))
    a = model.add("dense", units=4, activation="tanh", position=(300, -50))
    b = model.add("dense", units=6, position=(300, 50))
    cat = model.add("concatenate", position=(400, 0))
    t = model.add("target", feature="y", position=(500, 0))
    model.connect(x, conv)
    model.connect(conv, flat)
    model.connect(flat, a)
    model.connect(flat, b)
    model.connect(b, cat, port=0)
    model.connect(a, cat, port=1)
    model.connect(cat, t)
    return {"x": x, "conv": conv, "flat": flat, "a": a, "b": b, "cat": cat, "t": t}


def _edits(model: ProjectModel, ids: dict[str, str]) -> dict[str, Edit]:
    graph = model.graph
    flat_to_a = next(link for link in graph.output_links(ids["flat"]) if link.target == ids["a"])
    conv = graph.nodes[ids["conv"]]
    return {
        "add": AddNode(Node("new", "dense", {**_dense_defaults(), "units": 3}, (7.0, 8.0))),
        "remove-middle": RemoveNode(ids["flat"]),
        "remove-merge": RemoveNode(ids["cat"]),
        "remove-input": RemoveNode(ids["x"]),
        "connect": Connect(Link("extra", ids["x"], "free", 0)),
        "disconnect": Disconnect(flat_to_a),
        "set": SetParams(
            ids["conv"],
            {"kernel_size": [3, 3], "padding": "valid", "filters": 2},
            {name: conv.params[name] for name in ("kernel_size", "padding", "filters")},
        ),
        "move": MoveNode(ids["a"], (-1.5, 99.0), graph.nodes[ids["a"]].position),
        "composite": Composite(
            [RemoveNode(ids["a"]), RemoveNode(ids["b"]), MoveNode(ids["t"], (1, 2), (500, 0))],
            "Delete blocks",
        ),
    }


def _dense_defaults() -> dict[str, Any]:
    return {
        "units": 32, "activation": "relu", "use_bias": True,
        "initializer": "glorot_uniform", "trainable": True,
    }


KINDS = [
    "add", "remove-middle", "remove-merge", "remove-input", "connect", "disconnect", "set",
    "move", "composite",
]


@pytest.mark.parametrize("kind", KINDS)
def test_apply_then_revert_restores_the_exact_graph(
    model: ProjectModel, ids: dict[str, str], dump: Dump, kind: str
) -> None:
    model.add("dense", node_id="free")
    edit = _edits(model, ids)[kind]
    before = dump(model.graph)
    edit.apply(model.graph)
    after = dump(model.graph)
    assert after != before
    edit.revert(model.graph)
    assert dump(model.graph) == before
    # Redo gives the same result as the first apply, and undo again restores.
    edit.apply(model.graph)
    assert dump(model.graph) == after
    edit.revert(model.graph)
    assert dump(model.graph) == before


def test_removing_a_block_and_undoing_restores_its_links(
    model: ProjectModel, ids: dict[str, str]
) -> None:
    graph = model.graph
    links_before = {link.id: link for link in graph.links_of(ids["flat"])}
    assert len(links_before) == 3
    edit = RemoveNode(ids["flat"])
    edit.apply(graph)
    assert ids["flat"] not in graph.nodes
    assert not set(links_before) & set(graph.links)
    edit.revert(graph)
    assert {link.id: link for link in graph.links_of(ids["flat"])} == links_before
    assert graph.predecessors(ids["a"]) == [ids["flat"]]


def test_merge_ports_survive_delete_and_undo(model: ProjectModel, ids: dict[str, str]) -> None:
    graph = model.graph
    edit = RemoveNode(ids["b"])
    edit.apply(graph)
    assert list(graph.input_links(ids["cat"])) == [1]
    edit.revert(graph)
    assert graph.predecessors(ids["cat"]) == [ids["b"], ids["a"]]


def test_remove_through_the_model_is_one_step(
    model: ProjectModel, ids: dict[str, str], dump: Dump
) -> None:
    applied: list[Edit] = []
    before = dump(model.graph)

    def sink(edit: Edit) -> None:
        edit.apply(model.graph)
        applied.append(edit)

    model.edit_sink = sink
    model.remove(ids["a"], ids["b"], ids["cat"])
    assert len(applied) == 1 and isinstance(applied[0], Composite)
    assert not {ids["a"], ids["b"], ids["cat"]} & set(model.graph.nodes)
    applied[0].revert(model.graph)
    assert dump(model.graph) == before


def test_composite_rolls_back_when_a_later_edit_fails(
    model: ProjectModel, ids: dict[str, str], dump: Dump
) -> None:
    before = dump(model.graph)
    edit = Composite(
        [
            MoveNode(ids["a"], (1, 1), model.graph.nodes[ids["a"]].position),
            RemoveNode(ids["flat"]),
            AddNode(Node("n1", "dense", _dense_defaults())),
            Connect(Link("bad", ids["x"], ids["conv"], 0)),  # occupied port
        ]
    )
    with pytest.raises(PortOccupiedError):
        edit.apply(model.graph)
    assert dump(model.graph) == before


def test_composite_rolls_back_a_missing_port(
    model: ProjectModel, ids: dict[str, str], dump: Dump
) -> None:
    before = dump(model.graph)
    edit = Composite(
        [
            AddNode(Node("n1", "dense", _dense_defaults())),
            Connect(Link("ok", ids["x"], "n1", 0)),
            Connect(Link("bad", ids["x"], "n1", 1)),
        ]
    )
    with pytest.raises(MissingPortError):
        edit.apply(model.graph)
    assert dump(model.graph) == before
    assert "n1" not in model.graph.nodes


def test_set_params_merge_makes_a_drag_one_step(model: ProjectModel, dump: Dump) -> None:
    d = model.add("dense", units=32)
    before = dump(model.graph)
    first = SetParams(d, {"units": 33}, {"units": 32})
    first.apply(model.graph)
    for value in (34, 35, 36):
        nxt = SetParams(d, {"units": value}, {"units": value - 1})
        nxt.apply(model.graph)
        assert first.merge(nxt)
    assert first.new == {"units": 36} and first.old == {"units": 32}
    assert model.graph.nodes[d].params["units"] == 36
    first.revert(model.graph)
    assert dump(model.graph) == before
    first.apply(model.graph)
    assert model.graph.nodes[d].params["units"] == 36


def test_set_params_does_not_merge_other_changes(model: ProjectModel) -> None:
    d = model.add("dense")
    e = model.add("dense")
    edit = SetParams(d, {"units": 5}, {"units": 32})
    assert not edit.merge(SetParams(d, {"activation": "tanh"}, {"activation": "relu"}))
    assert not edit.merge(SetParams(e, {"units": 6}, {"units": 32}))
    assert not edit.merge(MoveNode(d, (1, 1), (0, 0)))
    assert not MoveNode(d, (1, 1), (0, 0)).merge(MoveNode(d, (2, 2), (1, 1)))
    assert edit.new == {"units": 5}


def test_edit_labels_say_what_they_do(model: ProjectModel, ids: dict[str, str]) -> None:
    edits = _edits(model, ids)
    assert edits["add"].label == "Add dense"
    assert ids["flat"] in edits["remove-middle"].label
    assert "kernel_size" in edits["set"].label
    assert edits["composite"].label == "Delete blocks"


def test_remove_emits_link_events_before_the_block_and_undo_reverses(
    model: ProjectModel, ids: dict[str, str], events: list[Any]
) -> None:
    graph = model.graph
    links = {link.id: link for link in graph.links_of(ids["flat"])}
    order = [lid for lid in graph.links if lid in links]
    events.clear()
    edit = RemoveNode(ids["flat"])
    edit.apply(graph)
    assert events == [*(LinkRemoved(links[lid]) for lid in order), NodeRemoved(ids["flat"])]
    events.clear()
    edit.revert(graph)
    assert events == [NodeAdded(ids["flat"]), *(LinkAdded(links[lid]) for lid in order)]


def test_set_and_move_emit_their_events(
    model: ProjectModel, ids: dict[str, str], events: list[Any]
) -> None:
    edits = _edits(model, ids)
    events.clear()
    edits["set"].apply(model.graph)
    edits["move"].apply(model.graph)
    edits["move"].revert(model.graph)
    edits["set"].revert(model.graph)
    assert events == [
        ParamsChanged(ids["conv"], ("kernel_size", "padding", "filters")),
        NodeMoved(ids["a"], (-1.5, 99.0)),
        NodeMoved(ids["a"], (300.0, -50.0)),
        ParamsChanged(ids["conv"], ("kernel_size", "padding", "filters")),
    ]


def test_added_node_is_a_copy(model: ProjectModel, dump: Dump) -> None:
    node = Node("n", "conv2d", {"kernel_size": [3, 3]})
    edit = AddNode(node)
    edit.apply(model.graph)
    node.params["kernel_size"].append(9)
    assert model.graph.nodes["n"].params["kernel_size"] == [3, 3]
