"""Output-shape rules of the blocks (core layer).

Shapes are per example (no batch axis); images are ``(height, width, channels)``.
Each rule takes a block's parameters and its input shapes and returns the output
shape, or raises ``ShapeError`` with a sentence for the user.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

Shape = tuple[int, ...]
Params = Mapping[str, Any]


class ShapeError(ValueError):
    """Input shapes that do not fit a block."""


def show(shape: Shape) -> str:
    """A shape as users see it: ``(8, 8, 1)``, ``(10,)``, ``()``."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(size) for size in shape) + ")"


def identity(params: Params, inputs: list[Shape]) -> Shape:
    """Blocks that keep the shape (activation, dropout, batch normalization)."""
    return inputs[0]


def dense(params: Params, inputs: list[Shape]) -> Shape:
    """A vector in, ``units`` out."""
    (shape,) = inputs
    if len(shape) != 1:
        raise ShapeError(f"Dense needs a vector but gets {show(shape)}; add a Flatten block.")
    return (int(params["units"]),)


def flatten(params: Params, inputs: list[Shape]) -> Shape:
    """Everything into one vector."""
    return (math.prod(inputs[0]),)


def reshape(params: Params, inputs: list[Shape]) -> Shape:
    """Same element count, new shape; one size may be −1."""
    total = math.prod(inputs[0])
    target = [int(size) for size in params["target_shape"]]
    known = math.prod(size for size in target if size != -1)
    if -1 in target:
        if known == 0 or total % known:
            raise ShapeError(f"cannot reshape {show(inputs[0])} into {show(tuple(target))}")
        target[target.index(-1)] = total // known
    if math.prod(target) != total:
        raise ShapeError(
            f"cannot reshape {show(inputs[0])} ({total} values) into {show(tuple(target))} "
            f"({math.prod(target)} values)"
        )
    return tuple(target)


def _image(shape: Shape, block: str) -> Shape:
    if len(shape) != 3:
        raise ShapeError(f"{block} needs an image (height, width, channels) but gets {show(shape)}")
    return shape


def _window(size: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1


def _windowed(shape: Shape, kernel: list[int], strides: list[int], padding: str) -> Shape:
    height = _window(shape[0], kernel[0], strides[0], padding)
    width = _window(shape[1], kernel[1], strides[1], padding)
    if height < 1 or width < 1:
        raise ShapeError(
            f"a {kernel[0]}×{kernel[1]} window does not fit an image of {shape[0]}×{shape[1]} "
            f"with 'valid' padding; use 'same' padding or a smaller window"
        )
    return (height, width)


def conv2d(params: Params, inputs: list[Shape]) -> Shape:
    """2-D convolution over ``(H, W, C)``."""
    shape = _image(inputs[0], "Conv2D")
    size = _windowed(shape, params["kernel_size"], params["strides"], params["padding"])
    return (*size, int(params["filters"]))


def max_pooling2d(params: Params, inputs: list[Shape]) -> Shape:
    """2-D max pooling; strides default to the pool size."""
    shape = _image(inputs[0], "MaxPooling2D")
    strides = params["strides"] or params["pool_size"]
    size = _windowed(shape, params["pool_size"], strides, params["padding"])
    return (*size, shape[2])


def global_average_pooling2d(params: Params, inputs: list[Shape]) -> Shape:
    """``(H, W, C)`` to ``(C,)``."""
    return (_image(inputs[0], "GlobalAveragePooling2D")[2],)


def embedding(params: Params, inputs: list[Shape]) -> Shape:
    """Integer indices to vectors: ``shape`` to ``(*shape, output_dim)``."""
    return (*inputs[0], int(params["output_dim"]))


def concatenate(params: Params, inputs: list[Shape]) -> Shape:
    """Join along ``axis``; all other sizes must agree."""
    rank = len(inputs[0])
    if any(len(shape) != rank for shape in inputs):
        raise ShapeError("Concatenate needs inputs of the same rank: " + _list(inputs))
    axis = int(params["axis"])
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} does not exist for inputs of rank {rank}")
    axis %= rank
    rest = {shape[:axis] + shape[axis + 1 :] for shape in inputs}
    if len(rest) != 1:
        raise ShapeError(f"Concatenate along axis {axis} needs equal other sizes: " + _list(inputs))
    first = inputs[0]
    return (*first[:axis], sum(shape[axis] for shape in inputs), *first[axis + 1 :])


def add(params: Params, inputs: list[Shape]) -> Shape:
    """Element-wise sum of equal shapes."""
    if len(set(inputs)) != 1:
        raise ShapeError("Add needs inputs of equal shape: " + _list(inputs))
    return inputs[0]


def _list(inputs: list[Shape]) -> str:
    return ", ".join(show(shape) for shape in inputs)
