"""The validator's problem codes of SPEC §5 on real graphs, with and without data facts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lossstudio.core.facts import FeatureFacts
from lossstudio.core.project_model import ProjectModel
from lossstudio.core.validator import analyze, validate

Chain = Callable[..., list[str]]


def real(name: str, shape: tuple[int, ...], low: float = -3.0, high: float = 3.0) -> FeatureFacts:
    """A real-valued feature."""
    return FeatureFacts(name, shape, low, high, integer_valued=False)


def counts(name: str, low: float = 0.0, high: float = 9.0) -> FeatureFacts:
    """A whole-number scalar feature (counts, or class indices when low ≥ 0)."""
    return FeatureFacts(name, (1,), low, high, integer_valued=True, n_classes=int(high) + 1)


def one_hot(name: str, classes: int) -> FeatureFacts:
    return FeatureFacts(name, (classes,), 0.0, 1.0, True, one_hot=True, n_classes=classes)


def codes(model: ProjectModel) -> list[tuple[str | None, str, str]]:
    return [(p.node_id, p.severity, p.code) for p in model.validate()]


def regression(model: ProjectModel, units: int = 1, loss: str = "mean_squared_error"):
    x = model.add("input", feature="x")
    d = model.add("dense", units=units, activation="linear")
    t = model.add("target", feature="y", loss=loss)
    model.connect(x, d)
    model.connect(d, t)
    return x, d, t


# --- structure ---------------------------------------------------------------------


def test_a_good_model_has_no_problems(model: ProjectModel) -> None:
    regression(model)
    model.facts = {"x": real("x", (4,)), "y": real("y", (1,))}
    assert model.validate() == []
    assert not model.analyze().has_errors


def test_missing_target(model: ProjectModel, chain: Chain) -> None:
    chain(("input", {"feature": "x"}), ("dense", {"activation": "linear"}))
    problems = model.validate()
    missing = [p for p in problems if p.code == "missing-target"]
    assert len(missing) == 1
    assert missing[0].severity == "error" and missing[0].node_id is None
    assert "Target" in missing[0].message


def test_empty_model_says_it_needs_a_target(model: ProjectModel) -> None:
    assert [(p.code, p.severity) for p in model.validate()] == [("missing-target", "error")]


def test_multiple_targets(model: ProjectModel) -> None:
    x, d, t = regression(model)
    second = model.add("target", feature="y")
    model.connect(d, second)
    problems = [p for p in model.validate() if p.code == "multiple-targets"]
    assert [(p.node_id, p.severity) for p in problems] == [(second, "error")]
    assert second in problems[0].message and t in problems[0].message


def test_missing_input(model: ProjectModel) -> None:
    d = model.add("dense", activation="linear")
    t = model.add("target", feature="y")
    model.connect(d, t)
    result = codes(model)
    assert (t, "error", "missing-input") in result
    assert (d, "error", "unconnected-port") in result


def test_unconnected_target_port(model: ProjectModel) -> None:
    t = model.add("target", feature="y")
    result = codes(model)
    assert (t, "error", "unconnected-port") in result
    assert (t, "error", "missing-input") in result


def test_unconnected_second_port_of_a_merge(model: ProjectModel) -> None:
    x = model.add("input", feature="x")
    add = model.add("add")
    t = model.add("target", feature="y")
    model.connect(x, add, port=0)
    model.connect(add, t)
    problems = [p for p in model.validate() if p.code == "unconnected-port"]
    assert [(p.node_id, p.severity) for p in problems] == [(add, "error")]
    assert "input 2" in problems[0].message


def test_dangling_block_is_a_warning(model: ProjectModel) -> None:
    x, d, t = regression(model)
    stray = model.add("dense", activation="linear")
    model.connect(x, stray)
    problems = model.validate()
    assert [(p.node_id, p.severity, p.code) for p in problems] == [
        (stray, "warning", "dangling-block")
    ]
    assert not model.analyze().has_errors


def test_a_lone_input_is_dangling(model: ProjectModel) -> None:
    regression(model)
    lone = model.add("input", feature="x")
    assert (lone, "warning", "dangling-block") in codes(model)


def test_problem_str_is_readable(model: ProjectModel) -> None:
    regression(model, loss="poisson")
    (problem,) = model.validate()
    text = str(problem)
    assert text.startswith("error:") and "loss-activation-incompatible" in text
    assert problem.node_id in text


def test_analysis_for_node(model: ProjectModel) -> None:
    _x, d, t = regression(model, loss="poisson")
    analysis = model.analyze()
    assert [p.code for p in analysis.for_node(d)] == ["loss-activation-incompatible"]
    assert analysis.for_node(t) == []


# --- shapes ---------------------------------------------------------------------------


def test_dense_fed_an_image(model: ProjectModel) -> None:
    _x, d, _t = regression(model)
    model.facts = {"x": real("x", (8, 8, 1)), "y": real("y", (1,))}
    problems = model.validate()
    assert [(p.node_id, p.code) for p in problems] == [(d, "shape-mismatch")]
    assert "(8, 8, 1)" in problems[0].message and "Flatten" in problems[0].message


def test_last_block_output_differs_from_target_feature(model: ProjectModel) -> None:
    _x, d, _t = regression(model, units=3)
    model.facts = {"x": real("x", (4,)), "y": real("y", (2,))}
    problems = model.validate()
    assert [(p.node_id, p.severity, p.code) for p in problems] == [
        (d, "error", "shape-mismatch")
    ]
    message = problems[0].message
    assert "(3,)" in message and "(2,)" in message and "units to 2" in message


def test_class_index_target_needs_one_output_per_class(model: ProjectModel) -> None:
    x = model.add("input", feature="x")
    d = model.add("dense", units=10, activation="softmax")
    t = model.add("target", feature="label", loss="categorical_crossentropy")
    model.connect(x, d)
    model.connect(d, t)
    model.facts = {"x": real("x", (64,)), "label": counts("label", 0, 9)}
    assert model.validate() == []
    model.set(d, units=9)
    problems = model.validate()
    assert [(p.node_id, p.code) for p in problems] == [(d, "shape-mismatch")]
    assert "(10,)" in problems[0].message


def test_one_hot_target_needs_its_width(model: ProjectModel) -> None:
    x = model.add("input", feature="x")
    d = model.add("dense", units=3, activation="softmax")
    t = model.add("target", feature="label", loss="categorical_crossentropy")
    model.connect(x, d)
    model.connect(d, t)
    model.facts = {"x": real("x", (4,)), "label": one_hot("label", 3)}
    assert model.validate() == []
    model.facts = {"x": real("x", (4,)), "label": one_hot("label", 5)}
    assert [(p.node_id, p.code) for p in model.validate()] == [(d, "shape-mismatch")]


def test_conv2d_valid_padding_on_a_too_small_image(model: ProjectModel, chain: Chain) -> None:
    ids = chain(
        ("input", {"feature": "img"}),
        ("conv2d", {"kernel_size": [3, 3], "padding": "valid", "activation": "linear"}),
        ("flatten", {}),
        ("dense", {"units": 1, "activation": "linear"}),
        ("target", {"feature": "y"}),
    )
    model.facts = {"img": real("img", (2, 2, 1)), "y": real("y", (1,))}
    problems = model.validate()
    assert [(p.node_id, p.code) for p in problems] == [(ids[1], "shape-mismatch")]
    assert "valid" in problems[0].message and "3×3" in problems[0].message
    model.set(ids[1], padding="same")
    assert model.validate() == []


def test_conv2d_fed_a_vector(model: ProjectModel, chain: Chain) -> None:
    ids = chain(
        ("input", {"feature": "x"}),
        ("conv2d", {"activation": "linear"}),
        ("flatten", {}),
        ("dense", {"units": 1, "activation": "linear"}),
        ("target", {"feature": "y"}),
    )
    model.facts = {"x": real("x", (4,)), "y": real("y", (1,))}
    assert [(p.node_id, p.code) for p in model.validate()] == [(ids[1], "shape-mismatch")]


def _merge(model: ProjectModel, kind: str, a: tuple[int, ...], b: tuple[int, ...], **params):
    xa = model.add("input", feature="a")
    xb = model.add("input", feature="b")
    merge = model.add(kind, **params)
    flat = model.add("flatten")
    d = model.add("dense", units=1, activation="linear")
    t = model.add("target", feature="y")
    model.connect(xa, merge, port=0)
    model.connect(xb, merge, port=1)
    model.connect(merge, flat)
    model.connect(flat, d)
    model.connect(d, t)
    model.facts = {"a": real("a", a), "b": real("b", b), "y": real("y", (1,))}
    return merge


@pytest.mark.parametrize(
    ("a", "b", "params", "ok"),
    [
        ((4,), (3,), {}, True),
        ((2, 3), (2, 5), {}, True),
        ((2, 3), (4, 3), {"axis": 0}, True),
        ((2, 3), (4, 5), {}, False),
        ((2, 3), (6,), {}, False),
        ((2, 3), (2, 3), {"axis": 2}, False),
    ],
)
def test_concatenate_shapes(model: ProjectModel, a, b, params, ok: bool) -> None:
    merge = _merge(model, "concatenate", a, b, **params)
    expected = [] if ok else [(merge, "shape-mismatch")]
    assert [(p.node_id, p.code) for p in model.validate()] == expected


@pytest.mark.parametrize(
    ("a", "b", "ok"), [((4,), (4,), True), ((4,), (5,), False), ((2, 2), (4,), False)]
)
def test_add_shapes(model: ProjectModel, a, b, ok: bool) -> None:
    merge = _merge(model, "add", a, b)
    problems = model.validate()
    assert [(p.node_id, p.code) for p in problems] == ([] if ok else [(merge, "shape-mismatch")])
    if not ok:
        assert "equal shape" in problems[0].message


@pytest.mark.parametrize(
    ("target_shape", "ok"),
    [([2, 3], True), ([3, -1], True), ([-1], True), ([4], False), ([4, -1], False)],
)
def test_reshape_element_count(model: ProjectModel, chain: Chain, target_shape, ok) -> None:
    ids = chain(
        ("input", {"feature": "x"}),
        ("reshape", {"target_shape": target_shape}),
        ("flatten", {}),
        ("dense", {"units": 1, "activation": "linear"}),
        ("target", {"feature": "y"}),
    )
    model.facts = {"x": real("x", (6,)), "y": real("y", (1,))}
    problems = model.validate()
    assert [(p.node_id, p.code) for p in problems] == ([] if ok else [(ids[1], "shape-mismatch")])
    if not ok:
        assert "(6,)" in problems[0].message


def test_a_shape_error_does_not_cascade(model: ProjectModel, chain: Chain) -> None:
    ids = chain(
        ("input", {"feature": "img"}),
        ("dense", {"units": 4, "activation": "linear"}),
        ("dense", {"units": 3, "activation": "linear"}),
        ("target", {"feature": "y"}),
    )
    model.facts = {"img": real("img", (8, 8, 3)), "y": real("y", (1,))}
    assert [(p.node_id, p.code) for p in model.validate()] == [(ids[1], "shape-mismatch")]


def test_no_shape_checks_without_data(model: ProjectModel) -> None:
    regression(model, units=7)
    assert model.validate() == []
    assert all(shape is None for shape in model.analyze().shapes.values())


# --- data ---------------------------------------------------------------------------


def test_unknown_feature_on_input_and_target(model: ProjectModel) -> None:
    x, _d, t = regression(model)
    model.facts = {"pixels": real("pixels", (4,)), "label": real("label", (1,))}
    problems = [p for p in model.validate() if p.code == "unknown-feature"]
    assert sorted((p.node_id, p.severity) for p in problems) == sorted(
        [(x, "error"), (t, "error")]
    )
    for problem in problems:
        assert "pixels" in problem.message and "label" in problem.message
    assert "'x'" in next(p.message for p in problems if p.node_id == x)


def test_features_are_not_checked_without_a_dataset(model: ProjectModel) -> None:
    regression(model)
    model.facts = None
    assert model.validate() == []


@pytest.mark.parametrize(
    ("loss", "activation", "facts", "bad"),
    [
        ("binary_crossentropy", "sigmoid", real("y", (1,), 0.0, 1.0), False),
        ("binary_crossentropy", "sigmoid", real("y", (1,), 0.0, 2.0), True),
        ("binary_crossentropy", "sigmoid", real("y", (1,), -1.0, 1.0), True),
        ("poisson", "softplus", counts("y", 0, 12), False),
        ("poisson", "softplus", counts("y", -1, 12), True),
        ("mean_squared_logarithmic_error", "softplus", real("y", (1,), -0.5, 4.0), False),
        ("mean_squared_logarithmic_error", "softplus", real("y", (1,), -1.0, 4.0), True),
        ("mean_squared_logarithmic_error", "softplus", real("y", (1,), -2.0, 4.0), True),
        ("mean_squared_error", "linear", real("y", (1,), -1e9, 1e9), False),
        ("mean_absolute_error", "linear", real("y", (1,), -5.0, 5.0), False),
    ],
)
def test_target_domain(model: ProjectModel, loss, activation, facts, bad: bool) -> None:
    x = model.add("input", feature="x")
    d = model.add("dense", units=1, activation=activation)
    t = model.add("target", feature="y", loss=loss)
    model.connect(x, d)
    model.connect(d, t)
    model.facts = {"x": real("x", (3,)), "y": facts}
    problems = model.validate()
    if not bad:
        assert problems == []
        return
    assert [(p.node_id, p.severity, p.code) for p in problems] == [
        (t, "error", "target-out-of-domain")
    ]
    assert "'y'" in problems[0].message


@pytest.mark.parametrize(
    ("facts", "units", "bad"),
    [
        (one_hot("y", 4), 4, False),
        (counts("y", 0, 3), 4, False),
        (real("y", (1,), 0.0, 3.5), 4, True),  # fractions: not class indices
        (counts("y", -1, 3), 4, True),  # negative labels
        (FeatureFacts("y", (4,), 0.0, 1.0, True, one_hot=False, n_classes=None), 4, True),
    ],
    ids=["one-hot", "indices", "fractions", "negative", "multi-hot"],
)
def test_categorical_targets(model: ProjectModel, facts, units: int, bad: bool) -> None:
    x = model.add("input", feature="x")
    d = model.add("dense", units=units, activation="softmax")
    t = model.add("target", feature="y", loss="categorical_crossentropy")
    model.connect(x, d)
    model.connect(d, t)
    model.facts = {"x": real("x", (3,)), "y": facts}
    found = [(p.node_id, p.code) for p in model.validate() if p.code == "target-out-of-domain"]
    assert found == ([(t, "target-out-of-domain")] if bad else [])


def test_analyze_takes_facts_directly(model: ProjectModel) -> None:
    _x, d, _t = regression(model, units=2)
    facts = {"x": real("x", (5,)), "y": real("y", (1,))}
    assert [p.code for p in analyze(model.graph, facts).problems] == ["shape-mismatch"]
    assert [p.code for p in validate(model.graph, facts)] == ["shape-mismatch"]
    assert validate(model.graph) == []


# --- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "params", "words"),
    [
        ("dense", {"units": 0}, "Units"),
        ("dense", {"units": -3}, "Units"),
        ("dropout", {"rate": 1.0}, "Rate"),
        ("dropout", {"rate": -0.1}, "Rate"),
        ("conv2d", {"filters": 0}, "Filters"),
        ("conv2d", {"kernel_size": [0, 3]}, "Kernel size"),
        ("conv2d", {"strides": [1, 0]}, "Strides"),
        ("max_pooling2d", {"pool_size": [0, 2]}, "Pool size"),
        ("batch_normalization", {"momentum": 1.5}, "Momentum"),
        ("batch_normalization", {"epsilon": 0.0}, "Epsilon"),
        ("embedding", {"input_dim": 0}, "Input dim"),
        ("embedding", {"output_dim": 0}, "Output dim"),
        ("reshape", {"target_shape": [0, 4]}, "Target shape"),
        ("reshape", {"target_shape": [-1, -1]}, "Target shape"),
        ("concatenate", {"inputs": 1}, "Inputs"),
        ("input", {"feature": ""}, "Feature"),
    ],
)
def test_invalid_parameter(model: ProjectModel, block: str, params, words: str) -> None:
    node = model.add(block, **params)
    problems = [p for p in model.validate() if p.code == "invalid-parameter"]
    assert [(p.node_id, p.severity) for p in problems] == [(node, "error")]
    assert words in problems[0].message


@pytest.mark.parametrize(
    ("block", "params"),
    [
        ("dense", {"units": 1}),
        ("dropout", {"rate": 0.0}),
        ("dropout", {"rate": 0.99}),
        ("batch_normalization", {"momentum": 0.0}),
        ("reshape", {"target_shape": [-1, 4]}),
        ("concatenate", {"inputs": 16}),
    ],
)
def test_edge_values_are_valid(model: ProjectModel, block: str, params) -> None:
    model.add(block, **params)
    assert [p for p in model.validate() if p.code == "invalid-parameter"] == []


def test_invalid_parameter_message_gives_the_range(model: ProjectModel) -> None:
    d = model.add("dropout", rate=1.0)
    (problem,) = [p for p in model.validate() if p.code == "invalid-parameter"]
    assert problem.node_id == d
    assert "[0, 1)" in problem.message and "1" in problem.message


def test_invalid_parameter_skips_shape_inference(model: ProjectModel) -> None:
    _x, d, _t = regression(model)
    model.set(d, units=0)
    model.facts = {"x": real("x", (4,)), "y": real("y", (1,))}
    assert [(p.node_id, p.code) for p in model.validate()] == [(d, "invalid-parameter")]
