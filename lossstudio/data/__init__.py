"""Datasets of LossStudio: CSV/NPZ/NPY loading, features, encodings, splits (numpy)."""

from __future__ import annotations

from lossstudio.data.dataset import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_EXTENSIONS,
    Dataset,
    feature_facts,
    load_dataset,
    load_dataset_for,
)
from lossstudio.data.errors import DataError
from lossstudio.data.features import (
    ENCODINGS,
    Encoding,
    EncodingError,
    Feature,
    FeatureConfig,
    FeatureKind,
    configs_from_dicts,
    parse_encoding,
)
from lossstudio.data.split import split_indices

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ENCODINGS",
    "SUPPORTED_EXTENSIONS",
    "DataError",
    "Dataset",
    "Encoding",
    "EncodingError",
    "Feature",
    "FeatureConfig",
    "FeatureKind",
    "configs_from_dicts",
    "feature_facts",
    "load_dataset",
    "load_dataset_for",
    "parse_encoding",
    "split_indices",
]
