"""The bundled example datasets load and look as documented (data layer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lossstudio.data import FeatureConfig, load_dataset

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.mark.parametrize("name", ["digits.npz", "multilabel.csv", "regression.csv", "counts.csv"])
def test_every_bundled_dataset_loads(name: str) -> None:
    dataset = load_dataset(EXAMPLES / name)
    assert dataset.n_examples >= 1000
    facts = dataset.facts()
    assert set(facts) == set(dataset.features)
    for feature_name in dataset.features:
        assert np.isfinite(dataset.array(feature_name)).all()


def test_bundled_data_is_small() -> None:
    total = sum(p.stat().st_size for p in EXAMPLES.iterdir() if p.suffix in {".csv", ".npz"})
    assert total < 2 * 2**20


def test_digits() -> None:
    dataset = load_dataset(EXAMPLES / "digits.npz")
    assert dataset.n_examples == 1797
    facts = dataset.facts()
    assert facts["pixels"].shape == (64,)
    assert facts["image"].shape == (8, 8, 1)
    assert 0.0 == facts["pixels"].minimum and facts["pixels"].maximum == 1.0
    assert dataset.array("label").dtype == np.int64
    assert facts["label"].shape == () and facts["label"].n_classes == 10
    np.testing.assert_array_equal(dataset.array("image").reshape(-1, 64), dataset.array("pixels"))


def test_multilabel_as_feature_sets() -> None:
    labels = ("near_origin", "rising", "same_sign", "spread_out")
    dataset = load_dataset(
        EXAMPLES / "multilabel.csv",
        {
            "inputs": FeatureConfig("inputs", ("x1", "x2", "x3", "x4", "x5"), "standardize"),
            "labels": FeatureConfig("labels", labels, "none"),
        },
    )
    facts = dataset.facts()
    assert facts["inputs"].shape == (5,)
    assert facts["labels"].shape == (4,)
    assert (facts["labels"].minimum, facts["labels"].maximum) == (0.0, 1.0)
    assert not facts["labels"].one_hot
    rates = dataset.array("labels").mean(axis=0)
    assert ((rates > 0.3) & (rates < 0.7)).all()


def test_regression_and_counts() -> None:
    regression = load_dataset(EXAMPLES / "regression.csv")
    assert regression.features["road_surface"].categories == (
        "dry_asphalt",
        "gravel",
        "snow",
        "wet_asphalt",
    )
    assert regression.facts()["stopping_distance_m"].minimum > 0
    counts = load_dataset(EXAMPLES / "counts.csv")
    trips = counts.facts()["bike_trips"]
    assert trips.integer_valued and trips.minimum >= 0 and trips.shape == (1,)
