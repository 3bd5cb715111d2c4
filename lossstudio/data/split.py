"""Seeded train/validation splits (data layer).

The same ``(n_examples, validation_fraction, seed)`` always gives the same split, on
any machine: the examples are permuted with ``numpy.random.default_rng(seed)`` and the
first ``round(n × fraction)`` of the permutation (at least one, and at most ``n − 1``)
go to validation.
"""

from __future__ import annotations

import numpy as np


def split_indices(
    n_examples: int, validation_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(train_idx, val_idx)``: sorted int64 example indices, disjoint, covering all.

    Both parts are non-empty. Raises ValueError for fewer than 2 examples or a fraction
    outside (0, 1).
    """
    if isinstance(n_examples, bool) or int(n_examples) != n_examples:
        raise ValueError(f"n_examples must be a whole number, got {n_examples!r}")
    n = int(n_examples)
    if n < 2:
        raise ValueError(f"a train/validation split needs at least 2 examples, the dataset has {n}")
    fraction = float(validation_fraction)
    if not 0.0 < fraction < 1.0:
        raise ValueError(
            f"validation fraction must lie strictly between 0 and 1, got {validation_fraction!r}"
        )
    n_val = min(max(round(n * fraction), 1), n - 1)
    order = np.random.default_rng(seed).permutation(n)
    val_idx = np.sort(order[:n_val]).astype(np.int64)
    train_idx = np.sort(order[n_val:]).astype(np.int64)
    return train_idx, val_idx
