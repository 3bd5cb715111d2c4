"""FeatureFacts computed from the encoded data (data layer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lossstudio.core.facts import FeatureFacts
from lossstudio.data import FeatureConfig, load_dataset


@pytest.fixture
def csv_dataset(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text(
        "x,count,neg,color,a,b,c\n"
        "0.5,3,-1,red,1,0,0\n"
        "1.5,0,2,blue,0,1,0\n"
        "-2.0,7,0,green,0,0,1\n"
        "1.0,1,1,red,1,0,0\n"
    )
    configs = {
        "x": FeatureConfig("x", ("x",), "none"),
        "count": FeatureConfig("count"),
        "neg": FeatureConfig("neg"),
        "color": FeatureConfig("color", ("color",), "one_hot"),
        "color_index": FeatureConfig("color_index", ("color",), "none"),
        "abc": FeatureConfig("abc", ("a", "b", "c")),
        "ab": FeatureConfig("ab", ("a", "b")),
        "mm": FeatureConfig("mm", ("x",), "min_max"),
        "count_hot": FeatureConfig("count_hot", ("count",), "one_hot"),
    }
    return load_dataset(path, configs)


def test_facts_of_each_kind(csv_dataset) -> None:
    facts = csv_dataset.facts()
    assert facts["x"] == FeatureFacts("x", (1,), -2.0, 1.5, False, False, None)
    assert facts["count"] == FeatureFacts("count", (1,), 0.0, 7.0, True, False, 8)
    assert facts["neg"] == FeatureFacts("neg", (1,), -1.0, 2.0, True, False, None)
    assert facts["color"] == FeatureFacts("color", (3,), 0.0, 1.0, True, True, 3)
    assert facts["color_index"] == FeatureFacts("color_index", (1,), 0.0, 2.0, True, False, 3)
    assert facts["abc"] == FeatureFacts("abc", (3,), 0.0, 1.0, True, True, 3)
    # Row 2 of a,b is 0,0: not one-hot, and a vector is not a class index.
    assert facts["ab"] == FeatureFacts("ab", (2,), 0.0, 1.0, True, False, None)
    assert facts["mm"].minimum == 0.0 and facts["mm"].maximum == 1.0
    assert not facts["mm"].integer_valued
    assert facts["count_hot"] == FeatureFacts("count_hot", (8,), 0.0, 1.0, True, True, 8)


def test_facts_are_cached(csv_dataset) -> None:
    first = csv_dataset.facts()
    second = csv_dataset.facts()
    assert first == second
    assert first["x"] is second["x"]


def test_facts_of_npz_labels_and_images(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(
        path,
        image=np.full((3, 2, 2, 1), 0.5, dtype=np.float32),
        label=np.array([4, 0, 9]),
        float_label=np.array([1.0, 0.0, 2.0]),
        onehot=np.eye(3, dtype=np.float32),
    )
    facts = load_dataset(path).facts()
    assert facts["image"] == FeatureFacts("image", (2, 2, 1), 0.5, 0.5, False, False, None)
    assert facts["label"] == FeatureFacts("label", (), 0.0, 9.0, True, False, 10)
    assert facts["float_label"] == FeatureFacts("float_label", (), 0.0, 2.0, True, False, 3)
    assert facts["onehot"] == FeatureFacts("onehot", (3,), 0.0, 1.0, True, True, 3)
