"""Shape inference of every block type against shapes computed by hand (SPEC §2).

Shapes are per example, images ``(height, width, channels)``. Each case feeds a real
graph with feature facts and reads the validator's inferred shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lossstudio.core.blocks import BLOCK_TYPES
from lossstudio.core.facts import FeatureFacts
from lossstudio.core.project_model import ProjectModel

Chain = Callable[..., list[str]]


def feature(name: str, shape: tuple[int, ...]) -> FeatureFacts:
    return FeatureFacts(name, shape, 0.0, 9.0, integer_valued=True)


# (block type, params, input shape, expected output shape) — computed by hand.
SINGLE_INPUT_CASES: list[tuple[str, dict[str, Any], tuple[int, ...], tuple[int, ...]]] = [
    ("dense", {"units": 64}, (784,), (64,)),
    ("dense", {}, (3,), (32,)),
    ("activation", {"activation": "tanh"}, (5, 7), (5, 7)),
    ("dropout", {"rate": 0.3}, (8, 8, 3), (8, 8, 3)),
    ("batch_normalization", {}, (10,), (10,)),
    ("flatten", {}, (28, 28, 1), (784,)),
    ("flatten", {}, (6,), (6,)),
    ("reshape", {"target_shape": [7, 7, 16]}, (784,), (7, 7, 16)),
    ("reshape", {"target_shape": [-1, 4]}, (2, 3, 4), (6, 4)),
    ("reshape", {"target_shape": [-1]}, (2, 3, 4), (24,)),
    # same padding: ceil(size / stride); valid: floor((size − kernel) / stride) + 1
    ("conv2d", {"filters": 32}, (28, 28, 1), (28, 28, 32)),
    ("conv2d", {"filters": 8, "padding": "valid"}, (28, 28, 1), (26, 26, 8)),
    ("conv2d", {"filters": 4, "strides": [2, 2]}, (7, 7, 3), (4, 4, 4)),
    ("conv2d", {"filters": 4, "strides": [2, 2], "padding": "valid"}, (7, 7, 3), (3, 3, 4)),
    ("conv2d", {"filters": 2, "kernel_size": [5, 1], "padding": "valid"}, (8, 6, 1), (4, 6, 2)),
    ("conv2d", {"filters": 2, "kernel_size": 3, "padding": "valid"}, (3, 3, 1), (1, 1, 2)),
    ("max_pooling2d", {}, (26, 26, 32), (13, 13, 32)),
    ("max_pooling2d", {}, (7, 7, 3), (3, 3, 3)),
    ("max_pooling2d", {"padding": "same"}, (7, 7, 3), (4, 4, 3)),
    ("max_pooling2d", {"pool_size": [3, 3], "strides": [1, 1]}, (5, 5, 2), (3, 3, 2)),
    ("global_average_pooling2d", {}, (7, 7, 64), (64,)),
    ("embedding", {"input_dim": 100, "output_dim": 8}, (12,), (12, 8)),
    ("embedding", {"output_dim": 4}, (1,), (1, 4)),
]


@pytest.mark.parametrize(
    ("block", "params", "given", "expected"),
    SINGLE_INPUT_CASES,
    ids=[f"{case[0]}-{case[2]}" for case in SINGLE_INPUT_CASES],
)
def test_single_input_block_shape(
    model: ProjectModel, chain: Chain, block: str, params, given, expected
) -> None:
    ids = chain(("input", {"feature": "x"}), (block, params))
    model.facts = {"x": feature("x", given)}
    analysis = model.analyze()
    assert analysis.shapes[ids[0]] == given
    assert analysis.shapes[ids[1]] == expected
    assert [p for p in analysis.problems if p.code == "shape-mismatch"] == []


@pytest.mark.parametrize(
    ("block", "params", "a", "b", "expected"),
    [
        ("concatenate", {}, (4,), (6,), (10,)),
        ("concatenate", {}, (5, 5, 3), (5, 5, 1), (5, 5, 4)),
        ("concatenate", {"axis": 0}, (2, 3), (4, 3), (6, 3)),
        ("concatenate", {"axis": -2}, (2, 3), (4, 3), (6, 3)),
        ("add", {}, (8,), (8,), (8,)),
        ("add", {}, (4, 4, 2), (4, 4, 2), (4, 4, 2)),
    ],
)
def test_merge_block_shape(model: ProjectModel, block: str, params, a, b, expected) -> None:
    xa = model.add("input", feature="a")
    xb = model.add("input", feature="b")
    merge = model.add(block, **params)
    model.connect(xa, merge)
    model.connect(xb, merge)
    model.facts = {"a": feature("a", a), "b": feature("b", b)}
    assert model.analyze().shapes[merge] == expected


def test_three_way_concatenate(model: ProjectModel) -> None:
    sources = [model.add("input", feature=name) for name in "abc"]
    merge = model.add("concatenate", inputs=3)
    for source in sources:
        model.connect(source, merge)
    sizes = {"a": 1, "b": 2, "c": 3}
    model.facts = {name: feature(name, (size,)) for name, size in sizes.items()}
    assert model.analyze().shapes[merge] == (6,)


def test_a_classic_convnet_end_to_end(model: ProjectModel, chain: Chain) -> None:
    ids = chain(
        ("input", {"feature": "pixels"}),
        ("conv2d", {"filters": 16, "padding": "valid"}),
        ("max_pooling2d", {}),
        ("conv2d", {"filters": 32}),
        ("global_average_pooling2d", {}),
        ("dropout", {}),
        ("dense", {"units": 10, "activation": "softmax"}),
        ("target", {"feature": "label", "loss": "categorical_crossentropy"}),
    )
    model.facts = {
        "pixels": feature("pixels", (28, 28, 1)),
        "label": FeatureFacts("label", (1,), 0.0, 9.0, True, n_classes=10),
    }
    analysis = model.analyze()
    assert [analysis.shapes[node] for node in ids[:-1]] == [
        (28, 28, 1), (26, 26, 16), (13, 13, 16), (13, 13, 32), (32,), (32,), (10,),
    ]
    assert analysis.shapes[ids[-1]] is None  # the Target has no output
    assert analysis.problems == ()


def test_every_block_type_is_covered() -> None:
    covered = {case[0] for case in SINGLE_INPUT_CASES} | {"concatenate", "add", "input", "target"}
    assert covered == set(BLOCK_TYPES)


def test_unknown_input_shape_leaves_downstream_unknown(model: ProjectModel, chain: Chain) -> None:
    ids = chain(("input", {"feature": "x"}), ("dense", {"units": 3}), ("flatten", {}))
    model.facts = {"other": feature("other", (2,))}
    shapes = model.analyze().shapes
    assert [shapes[node] for node in ids] == [None, None, None]
