"""Feature configs, fitted features and their JSON round trips (data layer)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lossstudio.data import (
    ENCODINGS,
    Encoding,
    EncodingError,
    Feature,
    FeatureConfig,
    FeatureKind,
    configs_from_dicts,
    load_dataset,
)


def test_config_defaults_to_its_own_column() -> None:
    config = FeatureConfig("age")
    assert config.columns == ("age",)
    assert config.encoding is Encoding.NONE


def test_config_round_trips_through_json() -> None:
    config = FeatureConfig("inputs", ("a", "b"), "standardize")
    data = json.loads(json.dumps(config.to_dict()))
    assert data == {"name": "inputs", "columns": ["a", "b"], "encoding": "standardize"}
    assert FeatureConfig.from_dict(data) == config


def test_unknown_encoding_names_it_and_lists_valid_ones() -> None:
    with pytest.raises(ValueError) as info:
        FeatureConfig.from_dict({"name": "x", "encoding": "zscore"})
    message = str(info.value)
    assert "'zscore'" in message
    for encoding in ENCODINGS:
        assert encoding in message


def test_from_dict_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        FeatureConfig.from_dict({"name": "x", "colums": ["x"]})
    with pytest.raises(ValueError, match="columns must be a list"):
        FeatureConfig.from_dict({"name": "x", "columns": 3})
    with pytest.raises(ValueError, match="name"):
        FeatureConfig.from_dict({"columns": ["x"]})
    with pytest.raises(ValueError, match="non-empty name"):
        FeatureConfig("")


def test_configs_from_dicts_takes_names_from_keys() -> None:
    configs = configs_from_dicts(
        {"inputs": {"columns": ["a", "b"], "encoding": "min_max"}, "y": {}}
    )
    assert configs["inputs"] == FeatureConfig("inputs", ("a", "b"), Encoding.MIN_MAX)
    assert configs["y"] == FeatureConfig("y", ("y",), Encoding.NONE)
    with pytest.raises(ValueError, match="'y'"):
        configs_from_dicts({"y": {"encoding": "log"}})
    with pytest.raises(ValueError, match="says its name"):
        configs_from_dicts({"y": {"name": "z"}})


def test_feature_round_trips_and_re_encodes_like_the_loader(tmp_path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,color\n1,10,5,red\n2,20,5,blue\n4,30,5,red\n")
    configs = {
        "std": FeatureConfig("std", ("a", "b", "c"), "standardize"),
        "mm": FeatureConfig("mm", ("a", "b"), "min_max"),
        "color": FeatureConfig("color", ("color",), "one_hot"),
    }
    dataset = load_dataset(path, configs)
    for feature in dataset.features.values():
        data = json.loads(json.dumps(feature.to_dict()))
        again = Feature.from_dict(data)
        assert again == feature
    std = Feature.from_dict(json.loads(json.dumps(dataset.features["std"].to_dict())))
    raw = np.array([[1, 10, 5], [2, 20, 5], [4, 30, 5]], dtype=np.float64)
    np.testing.assert_allclose(std.encode(raw), dataset.array("std"), rtol=1e-6)
    assert std.std is not None and std.std[2] == 1.0  # constant column: std 0 stored as 1
    color = Feature.from_dict(dataset.features["color"].to_dict())
    assert color.kind is FeatureKind.CATEGORICAL
    np.testing.assert_array_equal(color.encode(["red", "blue"]), [[0, 1], [1, 0]])
    with pytest.raises(EncodingError, match="unknown category 'green'"):
        color.encode(["green"])
