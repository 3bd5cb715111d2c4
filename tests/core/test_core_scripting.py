"""The scripting API of SPEC §9 without data: build, edit, validate, settings."""

from __future__ import annotations

import pytest

from lossstudio import Problem, Project
from lossstudio.core.blocks import BLOCK_TYPES
from lossstudio.core.errors import GraphError, ParameterError, UnknownBlockError
from lossstudio.core.settings import RunSettings


def digits_model(p: Project) -> tuple[str, str, str, str]:
    x = p.add("input", feature="pixels")
    h = p.add("dense", units=64, activation="relu")
    o = p.add("dense", units=10, activation="softmax")
    t = p.add("target", feature="label", loss="categorical_crossentropy")
    p.connect(x, h)
    p.connect(h, o)
    p.connect(o, t)
    return x, h, o, t


def test_the_spec_example_builds_a_clean_model() -> None:
    p = Project()
    x, h, o, t = digits_model(p)
    assert p.validate() == []
    assert [p.graph.nodes[n].type for n in (x, h, o, t)] == ["input", "dense", "dense", "target"]
    assert p.graph.nodes[h].params["units"] == 64
    assert p.graph.nodes[h].params["use_bias"] is True  # defaults filled in
    assert p.graph.nodes[h].params["initializer"] == "glorot_uniform"


def test_set_any_parameter_by_name_and_validate_again() -> None:
    p = Project()
    _x, _h, o, t = digits_model(p)
    p.set(o, activation="relu")
    problems = p.validate()
    assert [(pr.node_id, pr.code) for pr in problems] == [(o, "loss-activation-incompatible")]
    assert isinstance(problems[0], Problem)
    p.set(t, loss="mean_squared_error")
    assert p.validate() == []


def test_ids_are_stable_and_readable() -> None:
    p = Project()
    assert [p.add("dense"), p.add("dense"), p.add("input")] == ["dense_1", "dense_2", "input_1"]
    assert p.add("dense", node_id="head") == "head"


def test_added_blocks_get_distinct_positions() -> None:
    p = Project()
    nodes = [p.add("dense") for _ in range(4)]
    positions = [p.graph.nodes[n].position for n in nodes]
    assert len(set(positions)) == 4
    placed = p.add("dense", position=(12.5, -3))
    assert p.graph.nodes[placed].position == (12.5, -3)


def test_move() -> None:
    p = Project()
    d = p.add("dense")
    p.move(d, 120, -40.5)
    assert p.graph.nodes[d].position == (120.0, -40.5)


def test_remove_takes_the_links_with_it() -> None:
    p = Project()
    x, h, o, t = digits_model(p)
    p.remove(h)
    assert h not in p.graph.nodes
    assert all(h not in (link.source, link.target) for link in p.graph.links.values())
    codes = {pr.code for pr in p.validate()}
    assert {"unconnected-port", "dangling-block", "missing-input"} <= codes
    p.remove(x, o)
    assert list(p.graph.nodes) == [t]


def test_disconnect() -> None:
    p = Project()
    x = p.add("input", feature="a")
    d = p.add("dense")
    link = p.connect(x, d)
    p.disconnect(link)
    assert p.graph.links == {}


def test_unknown_block_type_names_it_and_lists_the_types() -> None:
    p = Project()
    with pytest.raises(UnknownBlockError) as info:
        p.add("lstm", units=3)
    message = str(info.value)
    assert "'lstm'" in message
    for type_id in BLOCK_TYPES:
        assert type_id in message
    assert p.graph.nodes == {}


def test_unknown_parameter_names_it_and_lists_the_parameters() -> None:
    p = Project()
    with pytest.raises(ParameterError) as info:
        p.add("dense", neurons=3)
    message = str(info.value)
    assert "'neurons'" in message
    for name in ("units", "activation", "use_bias", "initializer", "trainable"):
        assert name in message
    assert p.graph.nodes == {}
    d = p.add("dense")
    with pytest.raises(ParameterError, match="'rate'"):
        p.set(d, rate=0.5)


def test_bad_choice_names_it_and_lists_the_choices() -> None:
    p = Project()
    d = p.add("dense", units=7)
    with pytest.raises(ParameterError) as info:
        p.set(d, units=8, activation="bogus")
    message = str(info.value)
    assert "activation" in message and "'bogus'" in message
    assert "softplus" in message and "sigmoid" in message
    assert p.graph.nodes[d].params["units"] == 7  # nothing changed


@pytest.mark.parametrize(
    ("block", "params", "name"),
    [
        ("dense", {"units": "many"}, "units"),
        ("dense", {"units": 2.5}, "units"),
        ("dense", {"use_bias": "yes"}, "use_bias"),
        ("dropout", {"rate": "half"}, "rate"),
        ("conv2d", {"kernel_size": [3]}, "kernel_size"),
        ("conv2d", {"strides": "2"}, "strides"),
        ("conv2d", {"padding": "full"}, "padding"),
        ("reshape", {"target_shape": []}, "target_shape"),
        ("input", {"feature": 3}, "feature"),
        ("target", {"loss": "hinge"}, "loss"),
    ],
)
def test_bad_values_name_the_parameter(block: str, params, name: str) -> None:
    p = Project()
    with pytest.raises(ParameterError, match=name):
        p.add(block, **params)
    assert p.graph.nodes == {}


def test_values_are_stored_in_canonical_form() -> None:
    p = Project()
    c = p.add("conv2d", kernel_size=5, strides=(2, 2), filters=8.0)
    params = p.graph.nodes[c].params
    assert params["kernel_size"] == [5, 5]
    assert params["strides"] == [2, 2]
    assert params["filters"] == 8 and isinstance(params["filters"], int)
    d = p.add("dropout", rate=0)
    assert p.graph.nodes[d].params["rate"] == 0.0


def test_editing_an_unknown_block_names_it() -> None:
    p = Project()
    for attempt in (lambda: p.set("ghost", units=3), lambda: p.move("ghost", 1, 2),
                    lambda: p.remove("ghost")):
        with pytest.raises(GraphError, match="ghost"):
            attempt()


def test_remove_of_several_is_all_or_nothing() -> None:
    p = Project()
    a = p.add("dense")
    with pytest.raises(GraphError, match="ghost"):
        p.remove(a, "ghost")
    assert a in p.graph.nodes


def test_reducing_merge_inputs_below_a_connected_port_is_refused() -> None:
    p = Project()
    xs = [p.add("input", feature=name) for name in "abc"]
    cat = p.add("concatenate", inputs=3)
    for x in xs:
        p.connect(x, cat)
    with pytest.raises(GraphError, match="input 3"):
        p.set(cat, inputs=2)
    assert p.graph.nodes[cat].params["inputs"] == 3
    p.set(cat, inputs=4)
    assert p.graph.nodes[cat].params["inputs"] == 4


def test_target_helper() -> None:
    p = Project()
    assert p.target() is None
    _x, _h, _o, t = digits_model(p)
    target = p.target()
    assert target is not None and target.id == t


# --- settings ---------------------------------------------------------------------------


def test_settings_defaults_follow_the_spec() -> None:
    s = Project().settings
    assert s.optimizer == "adam"
    assert s.validation_split == pytest.approx(0.2)
    assert s.device == "auto"
    assert s.lr_schedule == "none"
    assert s.early_stopping is False
    assert s.epochs >= 1 and s.batch_size >= 1 and s.learning_rate > 0


def test_settings_are_attributes() -> None:
    p = Project()
    p.settings.epochs = 10
    p.settings.batch_size = 64
    p.settings.optimizer = "sgd"
    p.settings.learning_rate = 0.05
    p.settings.validation_split = 0.25
    p.settings.seed = 42
    p.settings.device = "cpu"
    p.settings.early_stopping = True
    p.settings.patience = 3
    p.settings.lr_schedule = "exponential_decay"
    assert p.settings.to_dict() == {
        **RunSettings().to_dict(),
        "epochs": 10, "batch_size": 64, "optimizer": "sgd", "learning_rate": 0.05,
        "validation_split": 0.25, "seed": 42, "device": "cpu", "early_stopping": True,
        "patience": 3, "lr_schedule": "exponential_decay",
    }


@pytest.mark.parametrize(
    "optimizer",
    ["adam", "adamw", "adamax", "amsgrad", "nadam", "rmsprop", "adadelta", "adagrad", "sgd"],
)
def test_every_spec_optimizer_is_accepted(optimizer: str) -> None:
    settings = RunSettings()
    settings.optimizer = optimizer
    assert settings.optimizer == optimizer


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("epochs", 0, "Epochs"),
        ("epochs", -5, "Epochs"),
        ("epochs", "10", "epochs"),
        ("epochs", 2.5, "epochs"),
        ("batch_size", 0, "Batch size"),
        ("batch_size", True, "batch_size"),
        ("optimizer", "bogus", "adamw"),
        ("learning_rate", 0, "Learning rate"),
        ("learning_rate", -0.1, "Learning rate"),
        ("validation_split", 1.0, "Validation split"),
        ("validation_split", 0.0, "Validation split"),
        ("seed", -1, "Seed"),
        ("device", "tpu", "cuda"),
        ("lr_schedule", "cosine", "exponential_decay"),
        ("early_stopping", "yes", "early_stopping"),
    ],
)
def test_bad_setting_values_raise_and_keep_the_old_value(name: str, value, words: str) -> None:
    settings = RunSettings()
    old = getattr(settings, name)
    with pytest.raises(ParameterError, match=words):
        setattr(settings, name, value)
    assert getattr(settings, name) == old


def test_unknown_setting_names_it_and_lists_the_known_ones() -> None:
    p = Project()
    with pytest.raises(ParameterError) as info:
        p.settings.epoch = 10  # type: ignore[attr-defined]
    message = str(info.value)
    assert "'epoch'" in message and "epochs" in message and "batch_size" in message
    with pytest.raises(ParameterError, match="'nonsense'"):
        RunSettings(nonsense=1)


def test_settings_replace_is_a_checked_copy() -> None:
    settings = RunSettings(epochs=3)
    other = settings.replace(epochs=7, optimizer="sgd")
    assert (settings.epochs, settings.optimizer) == (3, "adam")
    assert (other.epochs, other.optimizer) == (7, "sgd")
    with pytest.raises(ParameterError):
        settings.replace(epochs=0)
    assert RunSettings.from_dict(other.to_dict()) == other
    assert other != settings


@pytest.mark.parametrize(
    "position", ["ab", (1,), (1, 2, 3), ("1", 2), (True, 0), (float("nan"), 0)]
)
def test_bad_positions_are_refused(position) -> None:
    # A bad position would otherwise be saved into a file that cannot be opened again.
    p = Project()
    with pytest.raises(ParameterError, match="position"):
        p.add("dense", position=position)
    assert p.graph.nodes == {}
    d = p.add("dense", position=(1, 2))
    assert p.graph.nodes[d].position == (1.0, 2.0)
    assert all(isinstance(v, float) for v in p.graph.nodes[d].position)
    if isinstance(position, tuple) and len(position) == 2:
        with pytest.raises(ParameterError, match="position"):
            p.move(d, *position)
        assert p.graph.nodes[d].position == (1.0, 2.0)
