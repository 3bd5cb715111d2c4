"""Seeded train/validation splits (data layer)."""

from __future__ import annotations

import numpy as np
import pytest

from lossstudio.data import split_indices


def test_split_is_deterministic_and_covers_everything() -> None:
    train, val = split_indices(100, 0.2, seed=7)
    again_train, again_val = split_indices(100, 0.2, seed=7)
    np.testing.assert_array_equal(train, again_train)
    np.testing.assert_array_equal(val, again_val)
    assert len(train) == 80 and len(val) == 20
    assert train.dtype == np.int64 and val.dtype == np.int64
    assert not set(train.tolist()) & set(val.tolist())
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(100))


def test_split_follows_numpy_default_rng_permutation() -> None:
    _, val = split_indices(10, 0.3, seed=3)
    expected = np.sort(np.random.default_rng(3).permutation(10)[:3])
    np.testing.assert_array_equal(val, expected)


def test_different_seeds_give_different_splits() -> None:
    assert not np.array_equal(split_indices(50, seed=0)[1], split_indices(50, seed=1)[1])


@pytest.mark.parametrize(
    ("n", "fraction", "n_val"), [(2, 0.2, 1), (2, 0.9, 1), (3, 0.01, 1), (10, 0.99, 9)]
)
def test_both_parts_are_never_empty(n: int, fraction: float, n_val: int) -> None:
    train, val = split_indices(n, fraction)
    assert len(val) == n_val and len(train) == n - n_val


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_fraction_outside_open_interval_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_indices(10, fraction)


def test_too_few_examples_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 examples"):
        split_indices(1)
