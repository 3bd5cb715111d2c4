"""Every loss × every activation through the validator, against a table written by hand.

The table below is derived by hand from SPEC §3 (activation output ranges) and §4
(the interval each loss needs ŷ to lie in), with the two "discouraged" pairs of §5. It
does not read the implementation's ranges or domains, so a wrong range there shows up
here as a wrong verdict on a real graph.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lossstudio.core.project_model import ProjectModel
from lossstudio.core.validator import Problem

ACTIVATIONS = (
    "linear", "relu", "leaky_relu", "elu", "selu", "gelu", "swish",
    "softplus", "exponential", "sigmoid", "hard_sigmoid", "tanh", "softsign", "softmax",
)
LOSSES = (
    "categorical_crossentropy", "binary_crossentropy", "squared_hinge",
    "mean_squared_error", "mean_absolute_error", "mean_squared_logarithmic_error", "poisson",
)

FINE, DISCOURAGED, INCOMPATIBLE = "fine", "discouraged", "incompatible"

# loss -> (fine, discouraged); every other activation is incompatible.
HAND_TABLE: dict[str, tuple[set[str], set[str]]] = {
    # ŷ in (0, 1]: only (0, 1) ranges fit; hard_sigmoid reaches 0, so it does not.
    "categorical_crossentropy": ({"softmax"}, {"sigmoid"}),
    # ŷ in (0, 1): sigmoid fits; softmax fits the range but makes labels compete.
    "binary_crossentropy": ({"sigmoid"}, {"softmax"}),
    # any real ŷ: everything fits.
    "squared_hinge": (set(ACTIVATIONS), set()),
    "mean_squared_error": (set(ACTIVATIONS), set()),
    "mean_absolute_error": (set(ACTIVATIONS), set()),
    # ŷ in (−1, ∞): linear, leaky ReLU (−∞) and SELU (≈−1.758) go below −1.
    "mean_squared_logarithmic_error": (
        {
            "relu", "elu", "gelu", "swish", "softplus", "exponential", "sigmoid",
            "hard_sigmoid", "tanh", "softsign", "softmax",
        },
        set(),
    ),
    # ŷ in (0, ∞): only ranges strictly above 0.
    "poisson": ({"softplus", "exponential", "sigmoid", "softmax"}, set()),
}

# Words the message must contain (lower case), for the loss and the activation.
LOSS_WORDS = {
    "categorical_crossentropy": ("categorical", "entropy"),
    "binary_crossentropy": ("binary", "entropy"),
    "mean_squared_logarithmic_error": ("logarithmic",),
    "poisson": ("poisson",),
}
ACTIVATION_WORDS = {act: tuple(act.split("_")) for act in ACTIVATIONS}
RECOMMENDED = {
    "categorical_crossentropy": ("softmax",),
    "binary_crossentropy": ("sigmoid",),
    "mean_squared_logarithmic_error": ("relu", "softplus"),
    "poisson": ("softplus", "exponential"),
}


def expected_fit(loss: str, activation: str) -> str:
    fine, discouraged = HAND_TABLE[loss]
    if activation in fine:
        return FINE
    if activation in discouraged:
        return DISCOURAGED
    return INCOMPATIBLE


def test_hand_table_is_complete_and_consistent() -> None:
    assert set(HAND_TABLE) == set(LOSSES)
    for fine, discouraged in HAND_TABLE.values():
        assert fine <= set(ACTIVATIONS) and discouraged <= set(ACTIVATIONS)
        assert not fine & discouraged
    incompatible = [(l_, a) for l_ in LOSSES for a in ACTIVATIONS
                    if expected_fit(l_, a) == INCOMPATIBLE]
    # The examples SPEC §5 names are incompatible in the table.
    for pair in [
        ("poisson", "linear"), ("poisson", "relu"), ("binary_crossentropy", "relu"),
        ("categorical_crossentropy", "tanh"), ("mean_squared_logarithmic_error", "linear"),
    ]:
        assert pair in incompatible


def _normalized(text: str) -> str:
    return text.lower().replace("-", " ").replace("_", " ")


def _build(model: ProjectModel, activation: str, loss: str) -> tuple[str, str, str]:
    x = model.add("input", feature="x")
    d = model.add("dense", units=3, activation=activation)
    t = model.add("target", feature="y", loss=loss)
    model.connect(x, d)
    model.connect(d, t)
    return x, d, t


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_every_loss_activation_pair(model: ProjectModel, loss: str, activation: str) -> None:
    _x, dense, _t = _build(model, activation, loss)
    problems = model.validate()
    fit = expected_fit(loss, activation)
    if fit == FINE:
        assert problems == []
        return
    assert len(problems) == 1, problems
    (problem,) = problems
    assert isinstance(problem, Problem)
    assert problem.node_id == dense
    if fit == INCOMPATIBLE:
        assert problem.severity == "error"
        assert problem.code == "loss-activation-incompatible"
    else:
        assert problem.severity == "warning"
        assert problem.code == "loss-activation-discouraged"
    message = _normalized(problem.message)
    for word in LOSS_WORDS[loss] + ACTIVATION_WORDS[activation]:
        assert word in message, (word, problem.message)
    fix = message.rsplit("use ", 1)[-1]
    assert "use " in message and any(word in fix for word in RECOMMENDED[loss]), problem.message


def test_incompatible_pairs_block_training_discouraged_pairs_do_not(
    model: ProjectModel,
) -> None:
    _build(model, "relu", "poisson")
    assert model.analyze().has_errors
    other = ProjectModel()
    _build(other, "sigmoid", "categorical_crossentropy")
    analysis = other.analyze()
    assert analysis.problems and not analysis.has_errors


def test_relu_poisson_message_is_the_spec_sentence(model: ProjectModel) -> None:
    _build(model, "relu", "poisson")
    (problem,) = model.validate()
    assert problem.message == (
        "Poisson needs outputs > 0; ReLU can output 0. Use Softplus or Exponential."
    )


def test_incompatible_message_names_the_needed_range(model: ProjectModel) -> None:
    _build(model, "tanh", "binary_crossentropy")
    (problem,) = model.validate()
    assert "0" in problem.message and "1" in problem.message
    assert "needs" in problem.message


def test_fixing_the_activation_clears_the_error(model: ProjectModel) -> None:
    _x, dense, _t = _build(model, "relu", "poisson")
    assert [p.code for p in model.validate()] == ["loss-activation-incompatible"]
    model.set(dense, activation="softplus")
    assert model.validate() == []
    model.set(dense, activation="linear")
    assert [p.code for p in model.validate()] == ["loss-activation-incompatible"]


def test_changing_the_loss_reevaluates(model: ProjectModel) -> None:
    _x, _dense, target = _build(model, "linear", "mean_squared_error")
    assert model.validate() == []
    model.set(target, loss="poisson")
    assert [p.code for p in model.validate()] == ["loss-activation-incompatible"]


Chain = Callable[..., list[str]]


def test_shape_only_blocks_pass_the_activation_to_the_last_block(
    model: ProjectModel, chain: Chain
) -> None:
    ids = chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4, "activation": "relu"}),
        ("flatten", {}),
        ("dropout", {"rate": 0.2}),
        ("target", {"feature": "y", "loss": "poisson"}),
    )
    (problem,) = model.validate()
    assert problem.code == "loss-activation-incompatible"
    assert problem.node_id == ids[3]  # the dropout: the last block
    assert "ReLU" in problem.message


def test_reshape_passes_the_activation(model: ProjectModel, chain: Chain) -> None:
    ids = chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4, "activation": "tanh"}),
        ("reshape", {"target_shape": [2, 2]}),
        ("target", {"feature": "y", "loss": "poisson"}),
    )
    (problem,) = model.validate()
    assert (problem.node_id, problem.code) == (ids[2], "loss-activation-incompatible")
    assert "Tanh" in problem.message


def test_pass_through_of_a_fine_activation_is_fine(model: ProjectModel, chain: Chain) -> None:
    chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4, "activation": "softplus"}),
        ("flatten", {}),
        ("dropout", {}),
        ("target", {"feature": "y", "loss": "poisson"}),
    )
    assert model.validate() == []


def test_an_activation_block_decides_the_output(model: ProjectModel, chain: Chain) -> None:
    chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4, "activation": "relu"}),
        ("activation", {"activation": "softplus"}),
        ("dropout", {}),
        ("target", {"feature": "y", "loss": "poisson"}),
    )
    assert model.validate() == []


def test_an_activation_block_can_be_the_wrong_one(model: ProjectModel, chain: Chain) -> None:
    ids = chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4, "activation": "softplus"}),
        ("activation", {"activation": "relu"}),
        ("target", {"feature": "y", "loss": "poisson"}),
    )
    (problem,) = model.validate()
    assert (problem.node_id, problem.code) == (ids[2], "loss-activation-incompatible")


def test_activation_block_softmax_then_discouraged_for_bce(
    model: ProjectModel, chain: Chain
) -> None:
    ids = chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4, "activation": "linear"}),
        ("activation", {"activation": "softmax"}),
        ("target", {"feature": "y", "loss": "binary_crossentropy"}),
    )
    (problem,) = model.validate()
    assert (problem.node_id, problem.severity, problem.code) == (
        ids[2], "warning", "loss-activation-discouraged",
    )


def test_batch_normalization_outputs_any_real_value(model: ProjectModel, chain: Chain) -> None:
    # Not shape-only: it shifts and scales, so a softmax before it no longer fits CCE.
    ids = chain(
        ("input", {"feature": "x"}),
        ("dense", {"units": 4, "activation": "softmax"}),
        ("batch_normalization", {}),
        ("target", {"feature": "y", "loss": "categorical_crossentropy"}),
    )
    (problem,) = model.validate()
    assert (problem.node_id, problem.code) == (ids[2], "loss-activation-incompatible")


def test_an_input_fed_straight_into_the_target_is_linear(model: ProjectModel) -> None:
    x = model.add("input", feature="x")
    t = model.add("target", feature="y", loss="poisson")
    model.connect(x, t)
    (problem,) = model.validate()
    assert (problem.node_id, problem.code) == (x, "loss-activation-incompatible")
    assert "Linear" in problem.message
