"""Activations and their output ranges (SPEC §3), core layer.

Adding an activation is one entry in ``ACTIVATIONS``; the validator derives every
loss compatibility from the ranges declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

from lossstudio.core.ranges import INF, Interval


@dataclass(frozen=True)
class Activation:
    """An activation function: its id, display label and output range."""

    id: str
    label: str
    range: Interval
    distribution: bool = False
    """True when each example's outputs sum to 1 (softmax)."""


def _entries(*items: Activation) -> dict[str, Activation]:
    return {item.id: item for item in items}


ACTIVATIONS: dict[str, Activation] = _entries(
    Activation("linear", "Linear", Interval(-INF, INF)),
    Activation("relu", "ReLU", Interval(0.0, INF, low_closed=True)),
    Activation("leaky_relu", "Leaky ReLU", Interval(-INF, INF)),
    Activation("elu", "ELU", Interval(-1.0, INF)),
    Activation("selu", "SELU", Interval(-1.758, INF)),
    Activation("gelu", "GELU", Interval(-0.170, INF)),
    Activation("swish", "Swish", Interval(-0.278, INF)),
    Activation("softplus", "Softplus", Interval(0.0, INF)),
    Activation("exponential", "Exponential", Interval(0.0, INF)),
    Activation("sigmoid", "Sigmoid", Interval(0.0, 1.0)),
    Activation("hard_sigmoid", "Hard sigmoid", Interval(0.0, 1.0, True, True)),
    Activation("tanh", "Tanh", Interval(-1.0, 1.0)),
    Activation("softsign", "Softsign", Interval(-1.0, 1.0)),
    Activation("softmax", "Softmax", Interval(0.0, 1.0), distribution=True),
)

ACTIVATION_IDS: tuple[str, ...] = tuple(ACTIVATIONS)
