"""Tests of the engine's losses and activations against float64 NumPy formulas (SPEC §4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lossstudio.core.activations import ACTIVATION_IDS as CORE_ACTIVATION_IDS
from lossstudio.core.losses import LOSS_IDS as CORE_LOSS_IDS
from lossstudio.engine.activations import ACTIVATION_IDS, Activation, apply_activation
from lossstudio.engine.losses import (
    EPS,
    LOSS_IDS,
    can_fuse,
    loss_function,
    per_example_loss,
    per_example_loss_from_logits,
)

N, K = 16, 5


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _reference(loss_id: str, p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The SPEC §4 formula per example in float64 (in-domain data, no clamping)."""
    p, y = p.astype(np.float64), y.astype(np.float64)
    axes = tuple(range(1, p.ndim))
    if loss_id == "categorical_crossentropy":
        return -(y * np.log(p)).sum(axis=-1)
    if loss_id == "binary_crossentropy":
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=axes)
    if loss_id == "squared_hinge":
        return (np.maximum(0, 1 - y * p) ** 2).mean(axis=axes)
    if loss_id == "mean_squared_error":
        return ((y - p) ** 2).mean(axis=axes)
    if loss_id == "mean_absolute_error":
        return np.abs(y - p).mean(axis=axes)
    if loss_id == "mean_squared_logarithmic_error":
        return ((np.log(y + 1) - np.log(p + 1)) ** 2).mean(axis=axes)
    assert loss_id == "poisson"
    return (p - y * np.log(p)).mean(axis=axes)


def _in_domain(loss_id: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random float32 predictions and targets well inside the loss's domain."""
    shape = (N, K)
    if loss_id == "categorical_crossentropy":
        p = _softmax(rng.normal(size=shape))
        y = np.eye(K)[rng.integers(0, K, size=N)]
    elif loss_id == "binary_crossentropy":
        p = rng.uniform(0.01, 0.99, size=shape)
        y = rng.uniform(0, 1, size=shape)
    elif loss_id == "squared_hinge":
        p = rng.uniform(-2, 2, size=shape)
        y = rng.choice([-1.0, 1.0], size=shape)
    elif loss_id == "mean_squared_logarithmic_error":
        p = rng.uniform(-0.5, 5, size=shape)
        y = rng.uniform(0, 5, size=shape)
    elif loss_id == "poisson":
        p = rng.uniform(0.1, 5, size=shape)
        y = rng.poisson(2.0, size=shape).astype(np.float64)
    else:
        p = rng.normal(size=shape)
        y = rng.normal(size=shape)
    return p.astype(np.float32), y.astype(np.float32)


def test_engine_ids_match_the_core() -> None:
    assert set(LOSS_IDS) == set(CORE_LOSS_IDS)
    assert set(ACTIVATION_IDS) == set(CORE_ACTIVATION_IDS)


@pytest.mark.parametrize("loss_id", LOSS_IDS)
def test_loss_matches_numpy_formula(loss_id: str) -> None:
    p, y = _in_domain(loss_id, np.random.default_rng(0))
    got = per_example_loss(loss_id, torch.from_numpy(p), torch.from_numpy(y))
    assert got.shape == (N,)
    assert got.dtype == torch.float32
    expected = _reference(loss_id, p, y)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-7)
    mean = loss_function(loss_id)(torch.from_numpy(p), torch.from_numpy(y))
    assert mean.dim() == 0
    np.testing.assert_allclose(mean.item(), expected.mean(), rtol=1e-5)


@pytest.mark.parametrize("loss_id", LOSS_IDS)
def test_loss_averages_over_all_non_batch_axes(loss_id: str) -> None:
    rng = np.random.default_rng(1)
    p, y = _in_domain(loss_id, rng)
    p3, y3 = np.stack([p, p[::-1]], axis=1), np.stack([y, y[::-1]], axis=1)
    got = per_example_loss(loss_id, torch.from_numpy(p3), torch.from_numpy(y3))
    expected = _reference(loss_id, p3, y3)
    if loss_id == "categorical_crossentropy":
        expected = expected.mean(axis=1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_regression_target_of_shape_n_fits_prediction_n_by_1() -> None:
    p = torch.tensor([[1.0], [2.0], [4.0]])
    y = torch.tensor([1.0, 3.0, 2.0])
    np.testing.assert_allclose(per_example_loss("mean_squared_error", p, y), [0.0, 1.0, 4.0])
    with pytest.raises(ValueError, match="does not fit"):
        per_example_loss("mean_squared_error", p, torch.zeros(4))


def test_class_indices_equal_one_hot() -> None:
    rng = np.random.default_rng(2)
    p = torch.from_numpy(_softmax(rng.normal(size=(N, K))).astype(np.float32))
    indices = torch.from_numpy(rng.integers(0, K, size=N))
    one_hot = torch.nn.functional.one_hot(indices, K).float()
    expected = per_example_loss("categorical_crossentropy", p, one_hot)
    for target in (indices, indices.reshape(N, 1), indices.float(), indices.float()[:, None]):
        got = per_example_loss("categorical_crossentropy", p, target)
        torch.testing.assert_close(got, expected)
        fused = per_example_loss_from_logits(
            "categorical_crossentropy", torch.log(p), target, "softmax"
        )
        torch.testing.assert_close(fused, expected)


def test_squared_hinge_maps_zero_one_targets() -> None:
    rng = np.random.default_rng(3)
    p = torch.from_numpy(rng.uniform(-2, 2, size=(N, K)).astype(np.float32))
    zero_one = torch.from_numpy(rng.integers(0, 2, size=(N, K)).astype(np.float32))
    minus_plus = 2 * zero_one - 1
    expected = _reference("squared_hinge", p.numpy(), minus_plus.numpy())
    for target in (zero_one, minus_plus, zero_one.long()):
        got = per_example_loss("squared_hinge", p, target)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(
        per_example_loss("squared_hinge", p, torch.zeros(N, K)),
        per_example_loss("squared_hinge", p, -torch.ones(N, K)),
    )


def test_clamping_keeps_losses_finite_at_the_domain_edge() -> None:
    p = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    y = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    cce = per_example_loss("categorical_crossentropy", p, y)
    np.testing.assert_allclose(cce.numpy(), [-np.log(EPS), 0.0], rtol=1e-3, atol=1e-6)
    for loss_id in ("binary_crossentropy", "poisson"):
        assert torch.isfinite(per_example_loss(loss_id, p, y)).all()
    msle = per_example_loss("mean_squared_logarithmic_error", torch.tensor([[-1.0]]), y[:1, :1])
    assert torch.isfinite(msle).all()


@pytest.mark.parametrize(
    ("loss_id", "activation"),
    [
        ("categorical_crossentropy", "softmax"),
        ("binary_crossentropy", "sigmoid"),
    ],
)
def test_fused_forms_are_finite_for_huge_logits(loss_id: str, activation: str) -> None:
    assert can_fuse(loss_id, activation)
    logits = torch.tensor(
        [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [1000.0, 1000.0, -1000.0]],
        requires_grad=True,
    )
    target = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    loss = per_example_loss_from_logits(loss_id, logits, target, activation)
    assert torch.isfinite(loss).all()
    assert loss.min() > 100
    loss.mean().backward()
    assert logits.grad is not None
    assert torch.isfinite(logits.grad).all()
    if loss_id == "categorical_crossentropy":
        np.testing.assert_allclose(loss.detach().numpy(), [2000.0, 2000.0, 2000.0 + np.log(2)])


@pytest.mark.parametrize(
    ("loss_id", "activation"),
    [
        ("categorical_crossentropy", "softmax"),
        ("binary_crossentropy", "sigmoid"),
    ],
)
def test_fused_forms_equal_the_plain_form(loss_id: str, activation: str) -> None:
    rng = np.random.default_rng(4)
    logits = torch.from_numpy(rng.uniform(-5, 5, size=(N, K)))
    if loss_id == "categorical_crossentropy":
        target = torch.nn.functional.one_hot(torch.from_numpy(rng.integers(0, K, N)), K)
    else:
        target = torch.from_numpy(rng.integers(0, 2, size=(N, K)))
    fused = per_example_loss_from_logits(loss_id, logits, target, activation)
    plain = per_example_loss(loss_id, apply_activation(activation, logits), target)
    assert fused.dtype == torch.float64
    torch.testing.assert_close(fused, plain, rtol=1e-12, atol=0)
    fused32 = per_example_loss_from_logits(loss_id, logits.float(), target, activation)
    torch.testing.assert_close(fused32, plain.float(), rtol=1e-5, atol=1e-6)


def test_unfused_pairs_apply_the_activation_then_the_loss() -> None:
    assert not can_fuse("poisson", "softplus")
    assert not can_fuse("categorical_crossentropy", "sigmoid")
    logits = torch.linspace(-3, 3, 12).reshape(4, 3)
    target = torch.arange(12.0).reshape(4, 3) % 4
    got = per_example_loss_from_logits("poisson", logits, target, "softplus")
    expected = per_example_loss("poisson", torch.nn.functional.softplus(logits), target)
    torch.testing.assert_close(got, expected)


def test_unknown_ids_raise_value_error_listing_the_valid_ids() -> None:
    with pytest.raises(ValueError, match="'hinge_loss'") as info:
        loss_function("hinge_loss")
    for loss_id in LOSS_IDS:
        assert loss_id in str(info.value)
    with pytest.raises(ValueError, match="'nope'"):
        per_example_loss("nope", torch.zeros(2, 2), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="'swishy'.*softmax"):
        per_example_loss_from_logits("poisson", torch.zeros(2, 2), torch.zeros(2, 2), "swishy")


def test_activations_follow_keras_3() -> None:
    x = torch.tensor([-5.0, -1.0, 0.0, 1.0, 5.0], dtype=torch.float64)
    xn = x.numpy()
    expected = {
        "linear": xn,
        "relu": np.maximum(xn, 0),
        "leaky_relu": np.where(xn > 0, xn, 0.2 * xn),
        "elu": np.where(xn > 0, xn, np.expm1(xn)),
        "softplus": np.log1p(np.exp(xn)),
        "exponential": np.exp(xn),
        "sigmoid": 1 / (1 + np.exp(-xn)),
        "hard_sigmoid": np.clip(xn + 3, 0, 6) / 6,
        "tanh": np.tanh(xn),
        "softsign": xn / (1 + np.abs(xn)),
        "swish": xn / (1 + np.exp(-xn)),
        "softmax": _softmax(xn),
    }
    for name, values in expected.items():
        np.testing.assert_allclose(apply_activation(name, x).numpy(), values, rtol=1e-12)
    for name in ACTIVATION_IDS:
        assert apply_activation(name, x).shape == x.shape
        torch.testing.assert_close(Activation(name)(x), apply_activation(name, x))
    assert "gelu" in repr(Activation("gelu"))
