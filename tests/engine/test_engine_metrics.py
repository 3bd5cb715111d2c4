"""Tests of the engine's on-device metric accumulators (SPEC §7)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lossstudio.engine.losses import LOSS_IDS
from lossstudio.engine.metrics import (
    MetricAccumulator,
    MultiLabelMetrics,
    RegressionMetrics,
    SingleLabelMetrics,
    metric_names,
    metrics_for,
)


def _scores(classes: list[int], k: int) -> torch.Tensor:
    """Softmax-like rows whose argmax is ``classes``."""
    rows = torch.full((len(classes), k), 0.1)
    rows[torch.arange(len(classes)), torch.tensor(classes)] = 0.6
    return rows


def test_single_label_macro_scores_skip_a_missing_class() -> None:
    acc = SingleLabelMetrics(4)
    acc.update(_scores([0, 1, 1, 1, 0], 4), torch.tensor([0, 0, 1, 1, 2]))
    expected_matrix = [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    np.testing.assert_array_equal(acc.confusion_matrix(), expected_matrix)
    got = acc.compute()
    assert list(got) == ["accuracy", "precision", "recall", "f1"]
    assert got["accuracy"] == pytest.approx(3 / 5)
    assert got["precision"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    assert got["recall"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert got["f1"] == pytest.approx((0.5 + 0.8 + 0) / 3)


def test_single_label_accepts_one_hot_and_index_targets() -> None:
    prediction = _scores([2, 0, 1], 3)
    indices = torch.tensor([2, 1, 1])
    results = []
    for target in (indices, indices[:, None], torch.nn.functional.one_hot(indices, 3).float()):
        acc = metrics_for("categorical_crossentropy", 3)
        acc.update(prediction, target)
        results.append(acc.compute())
    assert results[0] == results[1] == results[2]
    assert results[0]["accuracy"] == pytest.approx(2 / 3)


def test_multi_label_binary_crossentropy() -> None:
    prediction = torch.tensor([[0.9, 0.2], [0.4, 0.7], [0.6, 0.1], [0.3, 0.8]])
    target = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
    acc = metrics_for("binary_crossentropy", 2)
    acc.update(prediction, target)
    assert acc.compute() == pytest.approx(
        {
            "accuracy": 0.75,
            "precision": 0.75,
            "recall": 0.75,
            "f1": 0.75,
            "accuracy_label_0": 0.5,
            "accuracy_label_1": 1.0,
        }
    )
    assert acc.names == metric_names("binary_crossentropy", 2)


def test_multi_label_squared_hinge_uses_zero_threshold_and_mapped_targets() -> None:
    prediction = torch.tensor([[0.8, -0.6], [-0.2, 0.4], [0.2, -0.8], [-0.4, 0.6]])
    zero_one = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
    for target in (zero_one, 2 * zero_one - 1):
        acc = metrics_for("squared_hinge", 2)
        acc.update(prediction, target)
        got = acc.compute()
        assert got["accuracy"] == pytest.approx(0.75)
        assert got["accuracy_label_0"] == pytest.approx(0.5)
        assert got["f1"] == pytest.approx(0.75)


def test_multi_label_macro_skips_labels_never_present() -> None:
    acc = MultiLabelMetrics(2)
    acc.update(torch.tensor([[0.9, 0.1], [0.2, 0.3]]), torch.tensor([[1.0, 0.0], [1.0, 0.0]]))
    got = acc.compute()
    assert got["precision"] == pytest.approx(1.0)
    assert got["recall"] == pytest.approx(0.5)
    assert got["f1"] == pytest.approx(2 / 3)
    assert got["accuracy_label_1"] == pytest.approx(1.0)


def test_regression_hand_computed() -> None:
    acc = metrics_for("mean_squared_error", 1)
    acc.update(torch.tensor([[1.5], [2.0], [0.5], [3.0]]), torch.tensor([1.0, 2.0, 0.0, 4.0]))
    got = acc.compute()
    assert list(got) == ["mae", "mse", "rmse", "mape", "r2"]
    assert got == pytest.approx(
        {
            "mae": 0.5,
            "mse": 0.375,
            "rmse": math.sqrt(0.375),
            "mape": 100 * (0.5 + 0.0 + 0.25) / 3,
            "r2": 1 - 1.5 / 8.75,
        }
    )


def test_regression_constant_targets_and_empty_state() -> None:
    acc = RegressionMetrics()
    assert all(math.isnan(v) for v in acc.compute().values())
    acc.update(torch.tensor([2.0, 2.0]), torch.tensor([2.0, 2.0]))
    assert acc.compute()["r2"] == 1.0
    acc.update(torch.tensor([3.0]), torch.tensor([2.0]))
    assert acc.compute()["r2"] == 0.0
    acc.reset()
    assert math.isnan(acc.compute()["mae"])


def _random_batch(loss_id: str, rng: np.random.Generator, n: int) -> tuple[torch.Tensor, ...]:
    if loss_id == "categorical_crossentropy":
        return torch.from_numpy(rng.random((n, 4))), torch.from_numpy(rng.integers(0, 4, n))
    if loss_id in ("binary_crossentropy", "squared_hinge"):
        prediction = rng.random((n, 3)) * (2 if loss_id == "squared_hinge" else 1)
        prediction -= 1 if loss_id == "squared_hinge" else 0
        return torch.from_numpy(prediction), torch.from_numpy(rng.integers(0, 2, (n, 3)))
    return torch.from_numpy(rng.random((n, 3)) + 0.1), torch.from_numpy(rng.random((n, 3)))


def _outputs(loss_id: str) -> int:
    return 4 if loss_id == "categorical_crossentropy" else 3


@pytest.mark.parametrize("loss_id", LOSS_IDS)
def test_batches_accumulate_like_one_batch(loss_id: str) -> None:
    rng = np.random.default_rng(5)
    batches = [_random_batch(loss_id, rng, n) for n in (7, 1, 12)]
    split: MetricAccumulator = metrics_for(loss_id, _outputs(loss_id))
    for prediction, target in batches:
        split.update(prediction, target)
    whole = metrics_for(loss_id, _outputs(loss_id))
    whole.update(torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches]))
    assert split.compute() == pytest.approx(whole.compute(), rel=1e-12)
    assert list(whole.compute()) == metric_names(loss_id, _outputs(loss_id))


@pytest.mark.parametrize("loss_id", LOSS_IDS)
def test_summed_states_equal_one_accumulator(loss_id: str) -> None:
    rng = np.random.default_rng(6)
    first, second = _random_batch(loss_id, rng, 9), _random_batch(loss_id, rng, 5)
    rank0, rank1 = metrics_for(loss_id, _outputs(loss_id)), metrics_for(loss_id, _outputs(loss_id))
    rank0.update(*first)
    rank1.update(*second)
    state = rank0.state_tensor() + rank1.state_tensor()
    assert state.dtype == torch.float64 and state.dim() == 1
    rank0.load_state_tensor(state)
    both = metrics_for(loss_id, _outputs(loss_id))
    both.update(*first)
    both.update(*second)
    assert rank0.compute() == pytest.approx(both.compute(), rel=1e-12)
    with pytest.raises(ValueError, match="expected"):
        rank0.load_state_tensor(torch.zeros(state.numel() + 1, dtype=torch.float64))


def test_update_keeps_gradients_out_and_checks_widths() -> None:
    prediction = torch.rand(4, 3, requires_grad=True)
    acc = metrics_for("categorical_crossentropy", 3)
    acc.update(prediction, torch.tensor([0, 1, 2, 0]))
    assert not acc.state_tensor().requires_grad
    with pytest.raises(ValueError, match="3 outputs"):
        acc.update(torch.rand(4, 2), torch.tensor([0, 1, 1, 0]))
    with pytest.raises(ValueError, match="unknown loss"):
        metrics_for("hinge", 3)


def test_metric_names_give_the_history_columns() -> None:
    assert metric_names("categorical_crossentropy", 10) == ["accuracy", "precision", "recall", "f1"]
    assert metric_names("squared_hinge", 2)[-2:] == ["accuracy_label_0", "accuracy_label_1"]
    assert metric_names("poisson", 1) == ["mae", "mse", "rmse", "mape", "r2"]
