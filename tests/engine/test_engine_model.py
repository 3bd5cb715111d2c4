"""The graph → ``nn.Module`` translation: every block of SPEC §2 gives the shape the core
infers, computes what the block means, and fused outputs, freezing and initializers work.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from engine_builders import Built, batch_for, build_module, chain

from lossstudio.core.blocks import INITIALIZERS
from lossstudio.core.project_model import ProjectModel
from lossstudio.core.settings import RunSettings
from lossstudio.core.shapes import Shape
from lossstudio.engine.trainer import TensorData, Trainer

# (id, input shape, blocks between input and target, expected output shape)
CHAIN_CASES: list[tuple[str, Shape, list[tuple[str, dict]], Shape]] = [
    ("dense", (7,), [("dense", {"units": 5})], (5,)),
    ("dense-no-bias", (3,), [("dense", {"units": 2, "use_bias": False})], (2,)),
    ("activation", (4, 3), [("activation", {"activation": "tanh"})], (4, 3)),
    ("dropout", (6,), [("dropout", {"rate": 0.3})], (6,)),
    ("batch-normalization-vector", (5,), [("batch_normalization", {})], (5,)),
    ("batch-normalization-image", (4, 4, 3), [("batch_normalization", {})], (4, 4, 3)),
    ("flatten-image", (4, 5, 3), [("flatten", {})], (60,)),
    ("reshape", (12,), [("reshape", {"target_shape": [3, 4]})], (3, 4)),
    ("reshape-minus-one-last", (12,), [("reshape", {"target_shape": [-1, 2]})], (6, 2)),
    ("reshape-minus-one-middle", (2, 3, 4), [("reshape", {"target_shape": [4, -1, 1]})], (4, 6, 1)),
    ("reshape-to-vector", (2, 3, 4), [("reshape", {"target_shape": [-1]})], (24,)),
    ("global-average-pooling", (5, 6, 3), [("global_average_pooling2d", {})], (3,)),
    (
        "conv-image-to-vector",
        (8, 8, 1),
        [
            ("conv2d", {"filters": 4}),
            ("max_pooling2d", {}),
            ("flatten", {}),
            ("dense", {"units": 3, "activation": "linear"}),
        ],
        (3,),
    ),
]

# conv2d on a (9, 7, 2) image: (kernel, strides, padding, expected output shape)
CONV_CASES: list[tuple[list[int], list[int], str, Shape]] = [
    ([3, 3], [1, 1], "same", (9, 7, 4)),
    ([3, 3], [1, 1], "valid", (7, 5, 4)),
    ([3, 3], [2, 2], "same", (5, 4, 4)),
    ([3, 3], [2, 2], "valid", (4, 3, 4)),
    ([2, 2], [2, 2], "same", (5, 4, 4)),
    ([2, 2], [1, 1], "same", (9, 7, 4)),
    ([3, 2], [2, 1], "valid", (4, 6, 4)),
    ([5, 5], [3, 3], "same", (3, 3, 4)),
    ([1, 1], [2, 2], "valid", (5, 4, 4)),
    ([7, 7], [1, 1], "valid", (3, 1, 4)),
]

# max_pooling2d on a (7, 9, 3) image: (pool, strides or None, padding, expected shape)
POOL_CASES: list[tuple[list[int], list[int] | None, str, Shape]] = [
    ([2, 2], None, "valid", (3, 4, 3)),
    ([2, 2], None, "same", (4, 5, 3)),
    ([3, 3], None, "valid", (2, 3, 3)),
    ([3, 3], None, "same", (3, 3, 3)),
    ([3, 3], [2, 2], "same", (4, 5, 3)),
    ([3, 2], [1, 2], "valid", (5, 4, 3)),
    ([2, 3], [2, 1], "same", (4, 9, 3)),
]


def _out(built: Built, batch: torch.Tensor, *, train: bool = False) -> torch.Tensor:
    built.module.train(train)
    with torch.no_grad():
        return built.module({"x": batch})


def _check_shape(built: Built, batch: torch.Tensor, expected: Shape) -> torch.Tensor:
    assert built.shapes[built.last] == expected
    for train in (True, False):
        output = _out(built, batch, train=train)
        assert tuple(output.shape) == (batch.shape[0], *expected), f"train={train}"
    assert torch.isfinite(output).all()
    return output


@pytest.mark.parametrize(
    ("input_shape", "blocks", "expected"),
    [case[1:] for case in CHAIN_CASES],
    ids=[case[0] for case in CHAIN_CASES],
)
def test_chain_output_shape_is_the_inferred_shape(
    input_shape: Shape, blocks: list[tuple[str, dict]], expected: Shape
) -> None:
    built = chain(input_shape, blocks)
    _check_shape(built, batch_for(input_shape), expected)


def _tf_padding(size: int, kernel: int, stride: int, padding: str) -> tuple[int, int, int]:
    """Output size and TensorFlow's (before, after) padding of one axis."""
    if padding == "valid":
        return (size - kernel) // stride + 1, 0, 0
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def _windows(
    x: np.ndarray, kernel: list[int], strides: list[int], padding: str, fill: float
) -> np.ndarray:
    """Every window of channels-last images: ``(N, OH, OW, kh, kw, C)`` (TF padding)."""
    out_h, top, bottom = _tf_padding(x.shape[1], kernel[0], strides[0], padding)
    out_w, left, right = _tf_padding(x.shape[2], kernel[1], strides[1], padding)
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    windows = np.empty((x.shape[0], out_h, out_w, kernel[0], kernel[1], x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * strides[0], j * strides[1]
            windows[:, i, j] = padded[:, r : r + kernel[0], c : c + kernel[1], :]
    return windows


@pytest.mark.parametrize(
    ("kernel", "strides", "padding", "expected"),
    CONV_CASES,
    ids=[f"k{k[0]}x{k[1]}-s{s[0]}x{s[1]}-{p}" for k, s, p, _ in CONV_CASES],
)
def test_conv2d_shape_and_tensorflow_padding(
    kernel: list[int], strides: list[int], padding: str, expected: Shape
) -> None:
    params = {
        "filters": 4,
        "kernel_size": kernel,
        "strides": strides,
        "padding": padding,
        "activation": "linear",
        "use_bias": False,
        "initializer": "ones",
    }
    built = chain((9, 7, 2), [("conv2d", params)])
    batch = batch_for((9, 7, 2), n=3)
    output = _check_shape(built, batch, expected)
    # all-ones kernels: every output value is the sum of its (zero-padded) window
    sums = _windows(batch.double().numpy(), kernel, strides, padding, 0.0).sum(axis=(3, 4, 5))
    for channel in range(4):
        np.testing.assert_allclose(output[..., channel].numpy(), sums, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("pool", "strides", "padding", "expected"),
    POOL_CASES,
    ids=[f"p{p[0]}x{p[1]}-s{s}-{pad}" for p, s, pad, _ in POOL_CASES],
)
def test_max_pooling2d_shape_and_values(
    pool: list[int], strides: list[int] | None, padding: str, expected: Shape
) -> None:
    params = {"pool_size": pool, "strides": strides, "padding": padding}
    built = chain((7, 9, 3), [("max_pooling2d", params)])
    batch = batch_for((7, 9, 3), n=3) - 5.0  # all negative: a zero pad would win the max
    output = _check_shape(built, batch, expected)
    steps = strides or pool
    reference = _windows(batch.numpy(), pool, steps, padding, -np.inf).max(axis=(3, 4))
    np.testing.assert_array_equal(output.numpy(), reference.astype(np.float32))


def test_shape_only_blocks_keep_values_in_channels_last_order() -> None:
    batch = batch_for((4, 5, 3), n=2)
    flat = _out(chain((4, 5, 3), [("flatten", {})]), batch)
    np.testing.assert_array_equal(flat.numpy(), batch.numpy().reshape(2, -1))
    reshaped = _out(chain((4, 5, 3), [("reshape", {"target_shape": [-1, 6]})]), batch)
    np.testing.assert_array_equal(reshaped.numpy(), batch.numpy().reshape(2, 10, 6))
    pooled = _out(chain((4, 5, 3), [("global_average_pooling2d", {})]), batch)
    np.testing.assert_allclose(pooled.numpy(), batch.numpy().mean(axis=(1, 2)), rtol=1e-6)
    activated = _out(chain((4, 5, 3), [("activation", {"activation": "tanh"})]), batch)
    torch.testing.assert_close(activated, torch.tanh(batch))


def test_dropout_is_identity_at_evaluation_and_scales_in_training() -> None:
    built = chain((200,), [("dropout", {"rate": 0.5})])
    batch = torch.ones(4, 200)
    torch.testing.assert_close(_out(built, batch), batch)
    torch.manual_seed(0)
    trained = _out(built, batch, train=True)
    assert set(trained.unique().tolist()) == {0.0, 2.0}
    assert 0.3 < float((trained == 0).float().mean()) < 0.7


def test_batch_normalization_normalizes_each_channel_in_training() -> None:
    built = chain((4, 4, 3), [("batch_normalization", {})])
    batch = batch_for((4, 4, 3), n=8) * torch.tensor([1.0, 5.0, 0.1]) + torch.tensor([3, -2, 7])
    output = _out(built, batch, train=True).double()
    np.testing.assert_allclose(output.mean(dim=(0, 1, 2)).numpy(), 0.0, atol=1e-4)
    # variance v becomes v / (v + epsilon), epsilon 0.001 by default
    variance = batch.double().var(dim=(0, 1, 2), unbiased=False)
    np.testing.assert_allclose(
        output.var(dim=(0, 1, 2), unbiased=False).numpy(),
        (variance / (variance + 1e-3)).numpy(),
        rtol=1e-4,
    )
    # Keras momentum 0.99: the moving mean moved 1 % of the way towards the batch mean
    norm = built.module.layers[built.last].norm
    expected = 0.01 * batch.double().mean(dim=(0, 1, 2))
    np.testing.assert_allclose(norm.running_mean.numpy(), expected.numpy(), rtol=1e-4)


def test_embedding_looks_up_integer_indices() -> None:
    built = chain((4,), [("embedding", {"input_dim": 10, "output_dim": 8})], integer_high=9)
    batch = batch_for((4,), n=6, integer_high=10)  # float32 whole numbers, as the data arrive
    output = _check_shape(built, batch, (4, 8))
    weight = built.module.layers[built.last].embedding.weight.detach()
    torch.testing.assert_close(output, weight[batch.long()])


def test_embedding_then_flatten_and_dense() -> None:
    blocks = [
        ("embedding", {"input_dim": 5, "output_dim": 3}),
        ("flatten", {}),
        ("dense", {"units": 2, "activation": "linear"}),
    ]
    built = chain((6,), blocks, integer_high=4)
    _check_shape(built, batch_for((6,), integer_high=5), (2,))


def _merge(type_id: str, shapes: list[Shape], **params: object) -> Built:
    model = ProjectModel()
    inputs = [model.add("input", feature=f"x{i}") for i in range(len(shapes))]
    merge = model.add(type_id, inputs=len(shapes), **params)
    target = model.add("target", feature="y", loss="mean_squared_error")
    for port, source in enumerate(inputs):
        model.connect(source, merge, port)
    model.connect(merge, target)
    return build_module(model, {f"x{i}": shape for i, shape in enumerate(shapes)})


CONCAT_CASES: list[tuple[int, list[Shape], Shape]] = [
    (-1, [(3, 4), (3, 2)], (3, 6)),
    (0, [(3, 4), (2, 4)], (5, 4)),
    (1, [(4, 5, 2), (4, 3, 2)], (4, 8, 2)),
    (-2, [(4, 5, 2), (4, 3, 2)], (4, 8, 2)),
    (-1, [(5,), (2,), (3,)], (10,)),
]


@pytest.mark.parametrize(
    ("axis", "shapes", "expected"),
    CONCAT_CASES,
    ids=[f"axis{a}-{len(s)}inputs-rank{len(s[0])}" for a, s, _ in CONCAT_CASES],
)
def test_concatenate_joins_along_the_per_example_axis(
    axis: int, shapes: list[Shape], expected: Shape
) -> None:
    built = _merge("concatenate", shapes, axis=axis)
    assert built.shapes[built.last] == expected
    batches = [batch_for(shape, n=3) + i for i, shape in enumerate(shapes)]
    built.module.eval()
    output = built.module({f"x{i}": b for i, b in enumerate(batches)})
    assert tuple(output.shape) == (3, *expected)
    dim = axis + 1 if axis >= 0 else axis
    torch.testing.assert_close(output, torch.cat(batches, dim=dim))


@pytest.mark.parametrize("count", [2, 3])
def test_add_sums_its_inputs(count: int) -> None:
    shapes: list[Shape] = [(2, 5)] * count
    built = _merge("add", shapes)
    assert built.shapes[built.last] == (2, 5)
    batches = [batch_for((2, 5), n=4) * (i + 1) for i in range(count)]
    output = built.module({f"x{i}": b for i, b in enumerate(batches)})
    assert tuple(output.shape) == (4, 2, 5)
    torch.testing.assert_close(output, sum(batches))


def test_dag_with_two_inputs_and_branches() -> None:
    model = ProjectModel()
    a = model.add("input", feature="a")
    b = model.add("input", feature="b")
    dense_a = model.add("dense", units=4, activation="relu")
    dense_b = model.add("dense", units=4, activation="tanh")
    added = model.add("add")
    joined = model.add("concatenate", axis=-1)
    out = model.add("dense", units=2, activation="linear")
    unused = model.add("dense", units=3)  # dangling: not on the way to the target
    target = model.add("target", feature="y", loss="mean_squared_error")
    model.connect(a, dense_a)
    model.connect(b, dense_b)
    model.connect(dense_a, added, 0)
    model.connect(dense_b, added, 1)
    model.connect(added, joined, 0)
    model.connect(dense_a, joined, 1)  # dense_a feeds two blocks
    model.connect(joined, out)
    model.connect(out, target)
    model.connect(b, unused)
    built = build_module(model, {"a": (6,), "b": (3,)})
    module = built.module
    assert built.shapes[joined] == (8,)
    assert module.input_features == {a: "a", b: "b"}
    assert unused not in module.layers
    assert set(module.layers) == {dense_a, dense_b, added, joined, out}

    xa, xb = batch_for((6,), n=5), batch_for((3,), n=5) * 2
    output = module({"a": xa, "b": xb})
    assert tuple(output.shape) == (5, 2)
    layers = module.layers
    ha = torch.relu(layers[dense_a].linear(xa))
    hb = torch.tanh(layers[dense_b].linear(xb))
    expected = layers[out].linear(torch.cat([ha + hb, ha], dim=-1))
    torch.testing.assert_close(output, expected)
    assert not torch.allclose(module({"a": xa, "b": -xb}), output)


@pytest.mark.parametrize(
    ("activation", "loss", "reference"),
    [
        ("softmax", "categorical_crossentropy", lambda z: torch.softmax(z, dim=-1)),
        ("sigmoid", "binary_crossentropy", torch.sigmoid),
    ],
)
def test_fused_output_returns_logits_and_activate_applies_the_activation(
    activation: str, loss: str, reference: object
) -> None:
    built = chain((6,), [("dense", {"units": 4, "activation": activation})], loss=loss)
    module = built.module
    assert module.fused
    assert module.output_activation == activation
    assert module.loss_id == loss
    batch = batch_for((6,), n=7) * 3
    logits = module({"x": batch}, logits=True)
    torch.testing.assert_close(logits, module.layers[built.last].linear(batch))
    probabilities = module({"x": batch})
    torch.testing.assert_close(module.activate(logits), probabilities)
    torch.testing.assert_close(probabilities, reference(logits))  # type: ignore[operator]


def test_activation_block_as_last_block_is_fused_too() -> None:
    blocks = [
        ("dense", {"units": 3, "activation": "linear"}),
        ("activation", {"activation": "softmax"}),
    ]
    built = chain((5,), blocks, loss="categorical_crossentropy")
    assert built.module.fused
    batch = batch_for((5,))
    logits = built.module({"x": batch}, logits=True)
    torch.testing.assert_close(torch.softmax(logits, -1), built.module({"x": batch}))


def test_unfused_output_ignores_logits_flag() -> None:
    built = chain((5,), [("dense", {"units": 2, "activation": "relu"})])
    module = built.module
    assert not module.fused
    assert module.output_activation == "relu"
    batch = batch_for((5,))
    output = module({"x": batch}, logits=True)
    torch.testing.assert_close(output, module({"x": batch}))
    assert (output >= 0).all()
    torch.testing.assert_close(module.activate(output), output)


def test_softmax_before_a_shape_only_block_is_not_fused() -> None:
    blocks = [("dense", {"units": 4, "activation": "softmax"}), ("dropout", {"rate": 0.2})]
    built = chain((5,), blocks, loss="categorical_crossentropy")
    assert not built.module.fused
    assert built.module.output_activation == "softmax"
    built.module.eval()
    output = built.module({"x": batch_for((5,))}, logits=True)
    torch.testing.assert_close(output.sum(dim=-1), torch.ones(5))


def test_frozen_layer_does_not_change_in_training() -> None:
    blocks = [
        ("dense", {"units": 8, "activation": "tanh", "trainable": False}),
        ("dense", {"units": 1, "activation": "linear"}),
    ]
    built = chain((3,), blocks)
    frozen_id, trained_id = list(built.module.layers)
    frozen, trained = built.module.layers[frozen_id], built.module.layers[trained_id]
    assert not any(p.requires_grad for p in frozen.parameters())
    assert all(p.requires_grad for p in trained.parameters())
    before = {k: v.clone() for k, v in built.module.state_dict().items()}
    x = batch_for((3,), n=40)
    data = TensorData({"x": x}, x.sum(dim=1, keepdim=True))
    settings = RunSettings(epochs=2, batch_size=8, optimizer="adam", learning_rate=0.05, seed=0)
    result = Trainer(built.module, settings, data, data, device=torch.device("cpu")).fit()
    assert result.status == "completed"
    after = built.module.state_dict()
    for name in before:
        changed = not torch.equal(before[name], after[name])
        assert changed == name.startswith(f"layers.{trained_id}."), name


@pytest.mark.parametrize("initializer", ["zeros", "ones"])
def test_constant_initializers(initializer: str) -> None:
    value = 0.0 if initializer == "zeros" else 1.0
    dense = {"units": 3, "activation": "linear", "initializer": initializer}
    built = chain((4,), [("dense", dense)])
    layer = built.module.layers[built.last].linear
    assert torch.all(layer.weight == value)
    assert torch.all(layer.bias == 0)
    batch = batch_for((4,))
    expected = batch.sum(dim=1, keepdim=True).expand(-1, 3) * value
    torch.testing.assert_close(built.module({"x": batch}), expected)
    conv = {"filters": 2, "activation": "linear", "initializer": initializer}
    built = chain((5, 5, 2), [("conv2d", conv)])
    assert torch.all(built.module.layers[built.last].conv.weight == value)


def test_other_initializers_give_random_weights_reproducibly() -> None:
    random = [name for name in INITIALIZERS if name not in ("zeros", "ones")]
    assert len(random) == 6
    for name in random:
        torch.manual_seed(3)
        first = chain((16,), [("dense", {"units": 8, "initializer": name})]).module
        torch.manual_seed(3)
        second = chain((16,), [("dense", {"units": 8, "initializer": name})]).module
        weight = next(iter(first.parameters()))
        assert weight.std() > 0.01, name
        for p, q in zip(first.parameters(), second.parameters(), strict=True):
            assert torch.equal(p, q), name
