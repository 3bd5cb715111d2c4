"""One ``nn.Module`` per block type of SPEC §2, channels-last like the data (engine layer).

Images are ``(N, H, W, C)`` as the core infers shapes; convolution and pooling move the
channel axis for torch and back. Keras conventions are kept where they matter for
comparable results: TF-style ``same`` padding, batch-norm momentum, initializers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lossstudio.engine.activations import activation_function

Shape = tuple[int, ...]

_INITIALIZERS: dict[str, Callable[[Tensor], Any]] = {
    "glorot_uniform": nn.init.xavier_uniform_,
    "glorot_normal": nn.init.xavier_normal_,
    "he_uniform": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "he_normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "lecun_uniform": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="linear"),
    "lecun_normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="linear"),
    "zeros": nn.init.zeros_,
    "ones": nn.init.ones_,
}


def _initialize(layer: nn.Linear | nn.Conv2d, params: Mapping[str, Any]) -> None:
    _INITIALIZERS[params["initializer"]](layer.weight)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
    if not params["trainable"]:
        layer.requires_grad_(False)


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Dense(nn.Module):
    """Fully connected layer; ``forward(x, logits=True)`` skips the activation."""

    def __init__(self, params: Mapping[str, Any], in_shape: Shape) -> None:
        super().__init__()
        self.linear = nn.Linear(in_shape[0], int(params["units"]), bias=bool(params["use_bias"]))
        _initialize(self.linear, params)
        self.activation = activation_function(params["activation"])

    def forward(self, x: Tensor, logits: bool = False) -> Tensor:
        z = F.linear(x, self.linear.weight, self.linear.bias)
        return z if logits else self.activation(z)


class Conv2D(nn.Module):
    """2-D convolution over channels-last images."""

    def __init__(self, params: Mapping[str, Any], in_shape: Shape) -> None:
        super().__init__()
        kernel, strides = tuple(params["kernel_size"]), tuple(params["strides"])
        self.padding: tuple[int, int, int, int] | None = None
        symmetric: tuple[int, int] = (0, 0)
        if params["padding"] == "same":
            top, bottom = _same_padding(in_shape[0], kernel[0], strides[0])
            left, right = _same_padding(in_shape[1], kernel[1], strides[1])
            if top == bottom and left == right:
                symmetric = (top, left)
            else:
                self.padding = (left, right, top, bottom)
        self.conv = nn.Conv2d(
            in_shape[2], int(params["filters"]), kernel, strides, padding=symmetric,
            bias=bool(params["use_bias"]),
        )
        _initialize(self.conv, params)
        self.activation = activation_function(params["activation"])

    def forward(self, x: Tensor, logits: bool = False) -> Tensor:
        x = x.permute(0, 3, 1, 2)
        if self.padding is not None:
            x = F.pad(x, self.padding)
        conv = self.conv
        z = F.conv2d(x, conv.weight, conv.bias, conv.stride, conv.padding).permute(0, 2, 3, 1)
        return z if logits else self.activation(z)


class ActivationBlock(nn.Module):
    """Applies one activation; ``logits=True`` passes values through."""

    def __init__(self, params: Mapping[str, Any], in_shape: Shape) -> None:
        super().__init__()
        self.activation = activation_function(params["activation"])

    def forward(self, x: Tensor, logits: bool = False) -> Tensor:
        return x if logits else self.activation(x)


class MaxPooling2D(nn.Module):
    """Max pooling over channels-last images."""

    def __init__(self, params: Mapping[str, Any], in_shape: Shape) -> None:
        super().__init__()
        self.pool = tuple(params["pool_size"])
        self.strides = tuple(params["strides"] or params["pool_size"])
        self.padding: tuple[int, int, int, int] | None = None
        if params["padding"] == "same":
            top, bottom = _same_padding(in_shape[0], self.pool[0], self.strides[0])
            left, right = _same_padding(in_shape[1], self.pool[1], self.strides[1])
            self.padding = (left, right, top, bottom)

    def forward(self, x: Tensor) -> Tensor:
        x = x.permute(0, 3, 1, 2)
        if self.padding is not None:
            x = F.pad(x, self.padding, value=-math.inf)
        return F.max_pool2d(x, self.pool, self.strides).permute(0, 2, 3, 1)


class BatchNormalization(nn.Module):
    """Batch normalization over the last (channel) axis, Keras momentum convention."""

    def __init__(self, params: Mapping[str, Any], in_shape: Shape) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(
            in_shape[-1], eps=float(params["epsilon"]), momentum=1.0 - float(params["momentum"])
        )

    def forward(self, x: Tensor) -> Tensor:
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        if self.training and flat.shape[0] == 1:
            # One value per channel (a last batch of one example): torch refuses to
            # normalize it; Keras gives 0 · gamma + beta. The moving statistics stay as
            # they are (the variance of one value is undefined).
            return (flat * 0 + self.norm.bias).reshape(shape)
        normalized: Tensor = self.norm(flat)
        return normalized.reshape(shape)


class Reshape(nn.Module):
    """Gives each example the inferred output shape."""

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.shape)


class Flatten(nn.Module):
    """Everything but the batch axis into one."""

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(1)


class GlobalAveragePooling2D(nn.Module):
    """``(N, H, W, C)`` to ``(N, C)``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.mean(dim=(1, 2))


class Embedding(nn.Module):
    """Integer indices to learned vectors."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__()
        self.embedding = nn.Embedding(int(params["input_dim"]), int(params["output_dim"]))

    def forward(self, x: Tensor) -> Tensor:
        vectors: Tensor = self.embedding(x.long())
        return vectors


class Concatenate(nn.Module):
    """Joins inputs along a per-example axis."""

    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis + 1 if axis >= 0 else axis

    def forward(self, *inputs: Tensor) -> Tensor:
        return torch.cat(inputs, dim=self.axis)


class Add(nn.Module):
    """Element-wise sum."""

    def forward(self, *inputs: Tensor) -> Tensor:
        total = inputs[0]
        for other in inputs[1:]:
            total = total + other
        return total


LOGIT_BLOCKS = frozenset({"dense", "conv2d", "activation"})
"""Blocks whose forward can stop before their activation (for fused losses)."""


def build_layer(
    type_id: str, params: Mapping[str, Any], in_shapes: Sequence[Shape], out_shape: Shape
) -> nn.Module:
    """The module of one block, given the core's inferred input and output shapes."""
    first = in_shapes[0] if in_shapes else ()
    if type_id == "dense":
        return Dense(params, first)
    if type_id == "conv2d":
        return Conv2D(params, first)
    if type_id == "activation":
        return ActivationBlock(params, first)
    if type_id == "max_pooling2d":
        return MaxPooling2D(params, first)
    if type_id == "batch_normalization":
        return BatchNormalization(params, first)
    if type_id == "dropout":
        return nn.Dropout(float(params["rate"]))
    if type_id == "flatten":
        return Flatten()
    if type_id == "reshape":
        return Reshape(out_shape)
    if type_id == "global_average_pooling2d":
        return GlobalAveragePooling2D()
    if type_id == "embedding":
        return Embedding(params)
    if type_id == "concatenate":
        return Concatenate(int(params["axis"]))
    if type_id == "add":
        return Add()
    raise ValueError(f"block type {type_id!r} has no module")
