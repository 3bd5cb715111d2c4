"""Loading NPZ and NPY datasets (data layer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lossstudio.data import FeatureConfig, load_dataset


def test_npz_arrays_are_features(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(6, 4, 4, 3))
    labels = np.array([0, 1, 2, 0, 1, 2], dtype=np.int32)
    np.savez(path, image=images, label=labels, flags=np.array([True, False] * 3))
    dataset = load_dataset(path)
    assert dataset.columns == ("image", "label", "flags")
    assert dataset.n_examples == 6
    assert dataset.features["image"].shape == (4, 4, 3)
    assert dataset.array("image").dtype == np.float32
    assert dataset.features["label"].shape == ()
    label = dataset.array("label")
    assert label.dtype == np.int64  # integer arrays stay integer
    np.testing.assert_array_equal(label, labels)
    assert dataset.array("flags").dtype == np.int64


def test_npy_feature_named_after_stem(tmp_path: Path) -> None:
    path = tmp_path / "pixels.npy"
    np.save(path, np.arange(12, dtype=np.float64).reshape(4, 3))
    dataset = load_dataset(path)
    assert list(dataset.features) == ["pixels"]
    assert dataset.features["pixels"].shape == (3,)
    assert dataset.array("pixels").dtype == np.float32


def test_npz_encodings_per_channel_and_one_hot(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    image = np.zeros((4, 2, 2, 2))
    image[..., 0] = np.arange(4).reshape(4, 1, 1)  # channel 0: 0..3
    image[..., 1] = 10.0  # channel 1: constant
    np.savez(path, image=image, label=np.array([3, 1, 0, 1]))
    configs = {
        "image": FeatureConfig("image", ("image",), "min_max"),
        "z": FeatureConfig("z", ("image",), "standardize"),
        "label": FeatureConfig("label", ("label",), "one_hot"),
    }
    dataset = load_dataset(path, configs)
    mm = dataset.array("image")
    np.testing.assert_allclose(mm[:, 0, 0, 0], [0, 1 / 3, 2 / 3, 1], rtol=1e-6)
    np.testing.assert_array_equal(mm[..., 1], 0)
    assert dataset.features["image"].minimum == (0.0, 10.0)
    z = dataset.array("z")
    np.testing.assert_allclose(z[..., 0].mean(), 0, atol=1e-6)
    np.testing.assert_allclose(z[..., 0].std(), 1, atol=1e-6)
    assert dataset.features["label"].shape == (4,)
    np.testing.assert_array_equal(dataset.array("label"), np.eye(4)[[3, 1, 0, 1]])


def test_only_configured_arrays_are_features(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones((3, 2)), y=np.zeros(3), other=np.ones(5))
    dataset = load_dataset(path, {"inputs": FeatureConfig("inputs", ("x",), "none")})
    assert list(dataset.features) == ["inputs"]
    assert dataset.columns == ("x", "y", "other")
    assert dataset.array("inputs").shape == (3, 2)
