"""The seven losses of the Target block, with their domains (SPEC §4), core layer.

A loss declares the interval its predictions must lie in, what its targets must look
like, and the activations it recommends; compatibility with an activation is derived
from ranges by ``compatibility``. Adding a loss is one entry in ``LOSSES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lossstudio.core.activations import Activation
from lossstudio.core.ranges import INF, REAL_LINE, Interval


class LossGroup(StrEnum):
    """The groups of the Peltarion documentation."""

    SINGLE_LABEL = "Classification — single label"
    MULTI_LABEL = "Classification — multi-label"
    CONTINUOUS = "Regression — continuous"
    DISCRETE = "Regression — discrete"


class TaskKind(StrEnum):
    """Which metrics a loss's task reports."""

    SINGLE_LABEL = "single_label"
    MULTI_LABEL = "multi_label"
    REGRESSION = "regression"


class Fit(StrEnum):
    """How an activation fits a loss."""

    FINE = "fine"
    DISCOURAGED = "discouraged"
    INCOMPATIBLE = "incompatible"


@dataclass(frozen=True)
class Loss:
    """A loss: id, label, group, prediction domain, target rule and advice."""

    id: str
    label: str
    group: LossGroup
    task: TaskKind
    domain: Interval
    recommended: tuple[str, ...]
    description: str
    target_domain: Interval = REAL_LINE
    target_rule: str = ""
    needs_distribution: bool = False
    independent_outputs: bool = False


def _entries(*items: Loss) -> dict[str, Loss]:
    return {item.id: item for item in items}


UNIT_OPEN = Interval(0.0, 1.0)

LOSSES: dict[str, Loss] = _entries(
    Loss(
        "categorical_crossentropy", "Categorical crossentropy", LossGroup.SINGLE_LABEL,
        TaskKind.SINGLE_LABEL, Interval(0.0, 1.0, high_closed=True), ("softmax",),
        "Each example belongs to exactly one class.",
        target_rule="one-hot vectors or class indices", needs_distribution=True,
    ),
    Loss(
        "binary_crossentropy", "Binary crossentropy", LossGroup.MULTI_LABEL,
        TaskKind.MULTI_LABEL, UNIT_OPEN, ("sigmoid",),
        "Each example can have several labels, each yes or no.",
        target_domain=Interval(0.0, 1.0, True, True), target_rule="values in [0, 1]",
        independent_outputs=True,
    ),
    Loss(
        "squared_hinge", "Squared hinge", LossGroup.MULTI_LABEL, TaskKind.MULTI_LABEL,
        REAL_LINE, ("tanh",),
        "Several yes/no labels, with a margin; targets −1/+1 (0/1 are mapped).",
    ),
    Loss(
        "mean_squared_error", "Mean squared error", LossGroup.CONTINUOUS,
        TaskKind.REGRESSION, REAL_LINE, ("linear",),
        "Predict a real number; large errors weigh more.",
    ),
    Loss(
        "mean_absolute_error", "Mean absolute error", LossGroup.CONTINUOUS,
        TaskKind.REGRESSION, REAL_LINE, ("linear",),
        "Predict a real number; robust to outliers.",
    ),
    Loss(
        "mean_squared_logarithmic_error", "Mean squared logarithmic error",
        LossGroup.CONTINUOUS, TaskKind.REGRESSION, Interval(-1.0, INF), ("relu", "softplus"),
        "Predict a positive number spanning orders of magnitude; relative errors count.",
        target_domain=Interval(-1.0, INF), target_rule="values > −1",
    ),
    Loss(
        "poisson", "Poisson", LossGroup.DISCRETE, TaskKind.REGRESSION, Interval(0.0, INF),
        ("softplus", "exponential"),
        "Predict a count (events per interval).",
        target_domain=Interval(0.0, INF, low_closed=True), target_rule="counts ≥ 0",
    ),
)

LOSS_IDS: tuple[str, ...] = tuple(LOSSES)


def compatibility(loss: Loss, activation: Activation) -> Fit:
    """Derive the fit of ``activation`` for ``loss`` from range and domain."""
    if not loss.domain.contains(activation.range):
        return Fit.INCOMPATIBLE
    if loss.needs_distribution and not activation.distribution:
        return Fit.DISCOURAGED
    if loss.independent_outputs and activation.distribution:
        return Fit.DISCOURAGED
    return Fit.FINE
