"""The block registry (SPEC §2), core layer.

Each block type has a stable id, parameter specs, input ports, an output-shape rule
and a role in deciding the effective output activation. Adding a block is one entry
in ``BLOCKS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lossstudio.core import shapes
from lossstudio.core.activations import ACTIVATION_IDS, ACTIVATIONS
from lossstudio.core.errors import UnknownBlockError
from lossstudio.core.losses import LOSS_IDS, LOSSES
from lossstudio.core.params import ParamKind, ParamSpec

ShapeRule = Callable[[Mapping[str, Any], list[shapes.Shape]], shapes.Shape]

INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "lecun_uniform", "lecun_normal", "zeros", "ones",
)


class ActivationRole(StrEnum):
    """How a block decides the effective activation of its output."""

    OWN = "own"
    """Its own ``activation`` parameter."""
    PASS = "pass"
    """Shape-only: the activation of the block before it passes through."""
    MERGE = "merge"
    """The shared activation of its inputs, when they all agree."""
    NONE = "none"
    """Linear: any real value."""


@dataclass(frozen=True)
class BlockSpec:
    """A block type: parameters, ports, shape rule and palette placement."""

    type_id: str
    label: str
    category: str
    params: tuple[ParamSpec, ...]
    inputs: int
    has_output: bool
    shape_rule: ShapeRule | None
    activation_role: ActivationRole
    description: str
    variadic: bool = False
    """The input count is the ``inputs`` parameter (merge blocks)."""

    @property
    def ranged_params(self) -> tuple[ParamSpec, ...]:
        """The parameters whose values can be out of range (checked by the validator)."""
        return tuple(spec for spec in self.params if spec.has_range)

    def param(self, name: str) -> ParamSpec:
        """The spec of parameter ``name``; ``KeyError`` when the block has none."""
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def param_names(self) -> tuple[str, ...]:
        """Names of all parameters, in editor order."""
        return tuple(spec.name for spec in self.params)

    def defaults(self) -> dict[str, Any]:
        """Fresh default parameters (lists copied)."""
        return {spec.name: _copy(spec.default) for spec in self.params}

    def input_count(self, params: Mapping[str, Any]) -> int:
        """How many input ports a block with ``params`` has."""
        return int(params["inputs"]) if self.variadic else self.inputs


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _activation(default: str = "relu") -> ParamSpec:
    return ParamSpec("activation", ParamKind.CHOICE, default, choices=ACTIVATION_IDS)


_USE_BIAS = ParamSpec("use_bias", ParamKind.BOOL, True, label="Use bias")
_INIT = ParamSpec("initializer", ParamKind.CHOICE, "glorot_uniform", choices=INITIALIZERS)
_TRAINABLE = ParamSpec("trainable", ParamKind.BOOL, True)
_FEATURE = ParamSpec("feature", ParamKind.FEATURE, "")
_MERGE_INPUTS = ParamSpec("inputs", ParamKind.INT, 2, minimum=2, maximum=16, label="Inputs")


def _entries(*items: BlockSpec) -> dict[str, BlockSpec]:
    return {item.type_id: item for item in items}


BLOCKS: dict[str, BlockSpec] = _entries(
    BlockSpec(
        "input", "Input", "Input/Output", (_FEATURE,), 0, True, None, ActivationRole.NONE,
        "A feature of the dataset enters the model.",
    ),
    BlockSpec(
        "target", "Target", "Input/Output",
        (_FEATURE, ParamSpec("loss", ParamKind.CHOICE, "mean_squared_error", choices=LOSS_IDS)),
        1, False, None, ActivationRole.NONE,
        "Compares the model's output with a feature using the chosen loss.",
    ),
    BlockSpec(
        "dense", "Dense", "Core",
        (
            ParamSpec("units", ParamKind.INT, 32, minimum=1),
            _activation(), _USE_BIAS, _INIT, _TRAINABLE,
        ),
        1, True, shapes.dense, ActivationRole.OWN, "A fully connected layer.",
    ),
    BlockSpec(
        "activation", "Activation", "Core", (_activation(),), 1, True, shapes.identity,
        ActivationRole.OWN, "Applies an activation function.",
    ),
    BlockSpec(
        "dropout", "Dropout", "Regularization",
        (ParamSpec("rate", ParamKind.FLOAT, 0.5, minimum=0.0, maximum=1.0, max_open=True),),
        1, True, shapes.identity, ActivationRole.PASS,
        "Randomly zeroes inputs while training; identity at evaluation.",
    ),
    BlockSpec(
        "batch_normalization", "Batch normalization", "Regularization",
        (
            ParamSpec("momentum", ParamKind.FLOAT, 0.99, minimum=0.0, maximum=1.0),
            ParamSpec("epsilon", ParamKind.FLOAT, 0.001, minimum=0.0, min_open=True),
        ),
        1, True, shapes.identity, ActivationRole.NONE, "Normalizes each channel.",
    ),
    BlockSpec(
        "flatten", "Flatten", "Reshaping", (), 1, True, shapes.flatten, ActivationRole.PASS,
        "Turns any shape into a vector.",
    ),
    BlockSpec(
        "reshape", "Reshape", "Reshaping",
        (ParamSpec("target_shape", ParamKind.SHAPE, [-1], label="Target shape"),),
        1, True, shapes.reshape, ActivationRole.PASS, "Gives the values a new shape.",
    ),
    BlockSpec(
        "conv2d", "Conv2D", "Convolution",
        (
            ParamSpec("filters", ParamKind.INT, 32, minimum=1),
            ParamSpec("kernel_size", ParamKind.INT_PAIR, [3, 3], label="Kernel size"),
            ParamSpec("strides", ParamKind.INT_PAIR, [1, 1]),
            ParamSpec("padding", ParamKind.CHOICE, "same", choices=("same", "valid")),
            _activation(), _USE_BIAS, _INIT, _TRAINABLE,
        ),
        1, True, shapes.conv2d, ActivationRole.OWN, "A 2-D convolution over an image.",
    ),
    BlockSpec(
        "max_pooling2d", "MaxPooling2D", "Convolution",
        (
            ParamSpec("pool_size", ParamKind.INT_PAIR, [2, 2], label="Pool size"),
            ParamSpec("strides", ParamKind.OPTIONAL_INT_PAIR, None, help="Empty: the pool size"),
            ParamSpec("padding", ParamKind.CHOICE, "valid", choices=("valid", "same")),
        ),
        1, True, shapes.max_pooling2d, ActivationRole.PASS, "Keeps the largest value per window.",
    ),
    BlockSpec(
        "global_average_pooling2d", "GlobalAveragePooling2D", "Convolution", (), 1, True,
        shapes.global_average_pooling2d, ActivationRole.PASS, "Averages each channel.",
    ),
    BlockSpec(
        "embedding", "Embedding", "Core",
        (
            ParamSpec("input_dim", ParamKind.INT, 1000, minimum=1, label="Input dim"),
            ParamSpec("output_dim", ParamKind.INT, 16, minimum=1, label="Output dim"),
        ),
        1, True, shapes.embedding, ActivationRole.NONE, "Integer indices to learned vectors.",
    ),
    BlockSpec(
        "concatenate", "Concatenate", "Merge",
        (_MERGE_INPUTS, ParamSpec("axis", ParamKind.INT, -1)),
        2, True, shapes.concatenate, ActivationRole.MERGE, "Joins its inputs along an axis.",
        variadic=True,
    ),
    BlockSpec(
        "add", "Add", "Merge", (_MERGE_INPUTS,), 2, True, shapes.add, ActivationRole.NONE,
        "Adds inputs of equal shape.", variadic=True,
    ),
)

BLOCK_TYPES: tuple[str, ...] = tuple(BLOCKS)
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(spec.category for spec in BLOCKS.values()))


def block_spec(type_id: str) -> BlockSpec:
    """The spec of ``type_id``; ``UnknownBlockError`` lists the known types otherwise."""
    try:
        return BLOCKS[type_id]
    except KeyError:
        raise UnknownBlockError(type_id, BLOCK_TYPES) from None


def summary(type_id: str, params: Mapping[str, Any]) -> str:
    """The key parameters as a block shows them, e.g. ``64 units · ReLU``."""
    parts: list[str] = []
    if type_id == "dense":
        parts.append(f"{params['units']} unit" + ("" if params["units"] == 1 else "s"))
    elif type_id == "conv2d":
        kernel = params["kernel_size"]
        parts.append(f"{params['filters']} × {kernel[0]}×{kernel[1]}")
    elif type_id in ("input", "target") and params.get("feature"):
        parts.append(str(params["feature"]))
    elif type_id == "dropout":
        parts.append(f"rate {params['rate']:g}")
    elif type_id == "max_pooling2d":
        parts.append("{}×{}".format(*params["pool_size"]))
    elif type_id == "embedding":
        parts.append(f"{params['input_dim']} → {params['output_dim']}")
    if "activation" in params:
        parts.append(ACTIVATIONS[params["activation"]].label)
    if type_id == "target":
        parts.append(LOSSES[params["loss"]].label)
    return " · ".join(parts)
