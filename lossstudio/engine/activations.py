"""The activation functions of SPEC §3 in torch (engine layer).

The ids and output ranges are declared in ``lossstudio.core.activations``; this module
only computes them. Where Keras 3 and torch differ in a default, Keras 3 is followed so
that values are comparable with it:

- ``leaky_relu`` uses a negative slope of 0.2 (Keras 3 ``negative_slope=0.2``);
- ``gelu`` is the exact, erf-based form (Keras 3 ``approximate=False``);
- ``hard_sigmoid`` is ``relu6(x + 3) / 6`` (Keras 3, identical to torch's);
- ``swish`` is ``x · sigmoid(x)``; ``softmax`` normalises over the last axis.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LEAKY_RELU_SLOPE = 0.2
"""Negative slope of ``leaky_relu`` (the Keras 3 default)."""


def _linear(x: Tensor) -> Tensor:
    return x


def _leaky_relu(x: Tensor) -> Tensor:
    return F.leaky_relu(x, negative_slope=LEAKY_RELU_SLOPE)


def _softmax(x: Tensor) -> Tensor:
    return torch.softmax(x, dim=-1)


_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": _linear,
    "relu": F.relu,
    "leaky_relu": _leaky_relu,
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,
    "swish": F.silu,
    "softplus": F.softplus,
    "exponential": torch.exp,
    "sigmoid": torch.sigmoid,
    "hard_sigmoid": F.hardsigmoid,
    "tanh": torch.tanh,
    "softsign": F.softsign,
    "softmax": _softmax,
}

ACTIVATION_IDS: tuple[str, ...] = tuple(_FUNCTIONS)
"""The activation ids this module computes (the same set as the core declares)."""


def activation_function(name: str) -> Callable[[Tensor], Tensor]:
    """Return the torch function of activation ``name``; raise ``ValueError`` if unknown."""
    try:
        return _FUNCTIONS[name]
    except KeyError:
        valid = ", ".join(ACTIVATION_IDS)
        raise ValueError(f"unknown activation {name!r}; valid activations: {valid}") from None


def apply_activation(name: str, x: Tensor) -> Tensor:
    """Apply activation ``name`` to ``x`` (softmax over the last axis)."""
    return activation_function(name)(x)


class Activation(nn.Module):
    """An ``nn.Module`` applying one activation by id, for building models."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._function = activation_function(name)
        self.name = name

    def forward(self, x: Tensor) -> Tensor:
        """Apply the activation."""
        return self._function(x)

    def extra_repr(self) -> str:
        """Show the activation id in the module's repr."""
        return repr(self.name)
