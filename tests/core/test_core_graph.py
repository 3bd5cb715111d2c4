"""The graph refuses cycles, occupied ports, missing ports and links from the Target.

Each refusal raises its typed error and leaves the graph exactly as it was, with no
event emitted (SPEC §5: a bad link never enters the graph).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lossstudio.core.errors import (
    CycleError,
    GraphError,
    MissingPortError,
    PortOccupiedError,
    UnknownNodeError,
)
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

Chain = Callable[..., list[str]]
Dump = Callable[[Graph], dict[str, Any]]


@pytest.fixture
def line(chain: Chain) -> list[str]:
    """input → dense → dense → target."""
    return chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4}),
        ("dense", {"units": 1, "activation": "linear"}),
        ("target", {"feature": "y"}),
    )


def refused(
    model: ProjectModel, dump: Dump, error: type[Exception], attempt: Callable[[], object]
) -> str:
    """Run ``attempt``; check it raises ``error`` and changes nothing. Returns the message."""
    before = dump(model.graph)
    seen: list[object] = []
    model.graph.subscribe(seen.append)
    with pytest.raises(error) as info:
        attempt()
    model.graph.unsubscribe(seen.append)
    assert dump(model.graph) == before
    assert seen == []
    return str(info.value)


def test_cycle_is_refused(model: ProjectModel, dump: Dump, chain: Chain) -> None:
    x, add, d1, d2 = chain(
        ("input", {"feature": "x"}), ("add", {}), ("dense", {}), ("dense", {})
    )
    # add's second input is free, but d2 is fed by add: linking them closes a loop.
    message = refused(model, dump, CycleError, lambda: model.connect(d2, add))
    assert add in message and d2 in message and "cycle" in message
    refused(model, dump, CycleError, lambda: model.connect(d1, add, port=1))
    refused(model, dump, CycleError, lambda: model.graph.add_link(Link("l9", d2, add, 1)))


def test_a_link_that_makes_no_loop_is_accepted(
    model: ProjectModel, dump: Dump, chain: Chain
) -> None:
    x, add, d1 = chain(("input", {"feature": "x"}), ("add", {}), ("dense", {}))
    other = model.add("dense")
    model.connect(x, other)
    model.connect(other, add)
    assert [link.source for link in model.graph.input_links(add).values()] == [x, other]


def test_self_link_is_a_cycle(model: ProjectModel, dump: Dump) -> None:
    add = model.add("add")
    refused(model, dump, CycleError, lambda: model.connect(add, add))


def test_second_link_into_an_occupied_port(
    model: ProjectModel, dump: Dump, line: list[str]
) -> None:
    x, d1, _d2, _t = line
    other = model.add("input", feature="x")
    message = refused(model, dump, PortOccupiedError, lambda: model.connect(other, d1, port=0))
    assert d1 in message and "already connected" in message
    # Without a port, the first free port is taken; the Dense has none left.
    refused(model, dump, PortOccupiedError, lambda: model.connect(other, d1))
    refused(
        model, dump, PortOccupiedError, lambda: model.graph.add_link(Link("lx", other, d1, 0))
    )


def test_missing_port(model: ProjectModel, dump: Dump, line: list[str]) -> None:
    x, d1, _d2, _t = line
    other = model.add("dense")
    message = refused(model, dump, MissingPortError, lambda: model.connect(x, other, port=1))
    assert "no input 2" in message
    add = model.add("add")
    refused(model, dump, MissingPortError, lambda: model.connect(x, add, port=2))
    refused(model, dump, MissingPortError, lambda: model.connect(x, add, port=-1))


def test_nothing_links_into_an_input(model: ProjectModel, dump: Dump, line: list[str]) -> None:
    x, d1, _d2, _t = line
    second = model.add("input", feature="z")
    message = refused(model, dump, MissingPortError, lambda: model.connect(d1, second))
    assert "has none" in message


def test_link_from_the_target_is_refused(
    model: ProjectModel, dump: Dump, line: list[str]
) -> None:
    *_, target = line
    sink = model.add("dense")
    message = refused(model, dump, MissingPortError, lambda: model.connect(target, sink))
    assert "no output" in message and target in message


def test_unknown_blocks_are_refused(model: ProjectModel, dump: Dump, line: list[str]) -> None:
    x, *_ = line
    message = refused(model, dump, UnknownNodeError, lambda: model.connect(x, "ghost"))
    assert "ghost" in message
    refused(model, dump, UnknownNodeError, lambda: model.connect("ghost", x))
    refused(model, dump, GraphError, lambda: model.disconnect("no-such-link"))


def test_refusals_are_graph_errors() -> None:
    for error in (CycleError, PortOccupiedError, MissingPortError, UnknownNodeError):
        assert issubclass(error, GraphError)


def test_multi_input_ports_fill_in_order(model: ProjectModel) -> None:
    a, b, c = (model.add("input", feature=n) for n in "abc")
    merge = model.add("concatenate", inputs=3)
    model.connect(a, merge)
    model.connect(b, merge, port=2)
    model.connect(c, merge)
    assert {port: link.source for port, link in model.graph.input_links(merge).items()} == {
        0: a, 2: b, 1: c,
    }
    assert model.graph.predecessors(merge) == [a, c, b]


def test_events_in_order(model: ProjectModel, events: list[Any]) -> None:
    x = model.add("input", feature="x")
    d = model.add("dense")
    link = model.connect(x, d)
    model.set(d, units=8, activation="tanh")
    model.move(d, 10, 20)
    model.remove(d)
    assert events == [
        NodeAdded(x),
        NodeAdded(d),
        LinkAdded(Link(link, x, d, 0)),
        ParamsChanged(d, ("units", "activation")),
        NodeMoved(d, (10.0, 20.0)),
        LinkRemoved(Link(link, x, d, 0)),
        NodeRemoved(d),
    ]


def test_setting_a_parameter_to_its_value_emits_nothing(
    model: ProjectModel, events: list[Any]
) -> None:
    d = model.add("dense", units=8)
    events.clear()
    model.set(d, units=8)
    assert events == []


def test_unsubscribed_listener_hears_nothing(model: ProjectModel) -> None:
    heard: list[Any] = []
    model.graph.subscribe(heard.append)
    model.add("dense")
    model.graph.unsubscribe(heard.append)
    model.add("dense")
    assert len(heard) == 1


def test_a_block_with_links_cannot_be_removed_raw(model: ProjectModel, dump: Dump) -> None:
    x = model.add("input", feature="x")
    d = model.add("dense")
    model.connect(x, d)
    refused(model, dump, ValueError, lambda: model.graph.remove_node(d))


def test_ids_are_unique_across_blocks_and_links(model: ProjectModel, dump: Dump) -> None:
    x = model.add("input", feature="x")
    d = model.add("dense")
    link = model.connect(x, d)
    refused(model, dump, ValueError, lambda: model.graph.add_node(Node(link, "dense", {})))
    refused(model, dump, GraphError, lambda: model.add("dense", node_id=d))
    assert len({x, d, link, model.add("dense"), model.connect(d, model.add("dense"))}) == 5


def test_topological_order(model: ProjectModel, line: list[str]) -> None:
    order = model.graph.topological_order()
    assert order == line
