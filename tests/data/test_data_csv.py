"""Loading CSV datasets: column typing, encodings and feature sets (data layer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lossstudio.data import Encoding, FeatureConfig, FeatureKind, load_dataset


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_features_one_per_column(tmp_path: Path) -> None:
    path = write(tmp_path, "x,size,color,label\n1.5,3,red,0\n2.5,4,blue,1\n-1,5,red,2\n")
    dataset = load_dataset(path)
    assert dataset.columns == ("x", "size", "color", "label")
    assert list(dataset.features) == ["x", "size", "color", "label"]
    assert dataset.n_examples == 3
    x = dataset.array("x")
    assert x.dtype == np.float32 and x.shape == (3, 1)
    np.testing.assert_array_equal(x[:, 0], [1.5, 2.5, -1.0])
    size = dataset.array("size")
    assert size.dtype == np.int64 and size.shape == (3, 1)
    color = dataset.features["color"]
    assert color.kind is FeatureKind.CATEGORICAL
    assert color.encoding is Encoding.ONE_HOT
    assert color.categories == ("blue", "red")
    assert color.shape == (2,)
    np.testing.assert_array_equal(dataset.array("color"), [[0, 1], [1, 0], [0, 1]])
    assert dataset.features["label"].shape == (1,)


def test_text_column_with_encoding_none_gives_indices(tmp_path: Path) -> None:
    path = write(tmp_path, "animal\ncat\ndog\n ant \ncat\n")
    dataset = load_dataset(path, {"animal": FeatureConfig("animal", ("animal",), "none")})
    feature = dataset.features["animal"]
    assert feature.categories == ("ant", "cat", "dog")  # values are stripped, sorted
    array = dataset.array("animal")
    assert array.dtype == np.int64
    np.testing.assert_array_equal(array[:, 0], [1, 2, 0, 1])


def test_feature_set_groups_columns_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,c,y\n1,2,3,0\n4,5,6,1\n")
    configs = {
        "inputs": FeatureConfig("inputs", ("c", "a"), "none"),
        "y": FeatureConfig("y"),
    }
    dataset = load_dataset(path, configs)
    assert list(dataset.features) == ["inputs", "y"]
    assert dataset.features["inputs"].shape == (2,)
    np.testing.assert_array_equal(dataset.array("inputs"), [[3, 1], [6, 4]])
    assert dataset.configs() == configs


def test_mixed_int_and_float_columns_give_float32(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n1,2.5\n3,4\n")
    dataset = load_dataset(path, {"ab": FeatureConfig("ab", ("a", "b"))})
    assert dataset.array("ab").dtype == np.float32


def test_standardize_per_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,k\n1,10,7\n2,20,7\n3,60,7\n")
    dataset = load_dataset(path, {"x": FeatureConfig("x", ("a", "b", "k"), "standardize")})
    x = dataset.array("x")
    assert x.dtype == np.float32 and x.shape == (3, 3)
    np.testing.assert_allclose(x[:, :2].mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(x[:, :2].std(axis=0), 1, atol=1e-6)
    np.testing.assert_array_equal(x[:, 2], 0)  # constant column: std 0 → 1
    feature = dataset.features["x"]
    assert feature.mean == pytest.approx((2.0, 30.0, 7.0))
    assert feature.std == pytest.approx((np.std([1, 2, 3]), np.std([10, 20, 60]), 1.0))


def test_min_max_to_unit_interval(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n-2,5\n0,5\n6,5\n")
    dataset = load_dataset(path, {"x": FeatureConfig("x", ("a", "b"), "min_max")})
    np.testing.assert_allclose(dataset.array("x"), [[0, 0], [0.25, 0], [1, 0]])
    assert dataset.features["x"].minimum == (-2.0, 5.0)
    assert dataset.features["x"].maximum == (6.0, 5.0)


def test_one_hot_of_integer_labels(tmp_path: Path) -> None:
    path = write(tmp_path, "label\n0\n2\n1\n2\n")
    dataset = load_dataset(path, {"label": FeatureConfig("label", ("label",), "one_hot")})
    feature = dataset.features["label"]
    assert feature.shape == (3,) and feature.n_classes == 3
    np.testing.assert_array_equal(dataset.array("label"), np.eye(3)[[0, 2, 1, 2]])


def test_blank_lines_quotes_and_bom(tmp_path: Path) -> None:
    text = '\ufeffname,x\n"Smith, J",1\n\n"multi\nline",2\n\n'
    dataset = load_dataset(
        write(tmp_path, text), {"name": FeatureConfig("name"), "x": FeatureConfig("x")}
    )
    assert dataset.n_examples == 2
    assert dataset.features["name"].categories == ("Smith, J", "multi\nline")


def test_unused_bad_column_does_not_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "x,notes\n1,\n2,ok\n")
    dataset = load_dataset(path, {"x": FeatureConfig("x")})
    assert dataset.columns == ("x", "notes")
    assert list(dataset.features) == ["x"]


def test_integer_columns_need_integer_syntax(tmp_path: Path) -> None:
    path = write(tmp_path, "i,f,e,s\n1,1.0,1e3,+2\n-3,2.0,2e0,4\n")
    dataset = load_dataset(path)
    assert dataset.array("i").dtype == np.int64
    assert dataset.array("s").dtype == np.int64
    assert dataset.array("f").dtype == np.float32
    assert dataset.array("e").dtype == np.float32
    assert dataset.facts()["f"].integer_valued  # whole numbers, though written as floats
