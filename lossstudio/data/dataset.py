"""Loading a dataset file and what the rest of LossStudio reads from it (data layer).

:func:`load_dataset` guards the file (exists, supported extension, not larger than a
limit, checked before anything is read), hands it to the CSV or NPZ/NPY loader and
returns a :class:`Dataset`: the fitted features, their encoded arrays, and the
:class:`~lossstudio.core.facts.FeatureFacts` the validator needs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from lossstudio.core.facts import FeatureFacts
from lossstudio.data.csv_loader import load_csv
from lossstudio.data.errors import DataError
from lossstudio.data.features import (
    Feature,
    FeatureConfig,
    FeatureKind,
    LoadedData,
    configs_from_dicts,
)
from lossstudio.data.npz_loader import load_npz

DEFAULT_MAX_BYTES = 2**30
"""Files larger than this (1 GiB) are refused before they are read."""

_Loader = Callable[[Path, Mapping[str, FeatureConfig] | None], LoadedData]
LOADERS: dict[str, _Loader] = {".csv": load_csv, ".npz": load_npz, ".npy": load_npz}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(LOADERS)


def _size_text(n_bytes: int) -> str:
    size = float(n_bytes)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n_bytes} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class Dataset:
    """A loaded dataset: features fitted to the file, and their encoded arrays.

    ``columns`` are the file's CSV columns or NPZ arrays, in file order (also those no
    feature uses). ``features`` maps feature name to :class:`Feature`. Arrays returned
    by :meth:`array` are shared, not copied: treat them as read-only.
    """

    def __init__(self, path: Path, loaded: LoadedData) -> None:
        self.path = path
        self.columns = loaded.columns
        self.features: dict[str, Feature] = dict(loaded.features)
        self.n_examples = loaded.n_examples
        self._arrays = dict(loaded.arrays)
        self._facts: dict[str, FeatureFacts] | None = None

    def __repr__(self) -> str:
        return (
            f"Dataset({str(self.path)!r}, n_examples={self.n_examples}, "
            f"features={list(self.features)})"
        )

    def array(self, name: str) -> np.ndarray:
        """The encoded values of feature ``name``, shape ``(n_examples, *feature.shape)``.

        float32 for real values and encodings; int64 for integer data and text
        categories that keep encoding ``none``. Raises KeyError for an unknown name.
        """
        try:
            return self._arrays[name]
        except KeyError:
            raise KeyError(
                f"{self.path}: no feature {name!r}; the features are: {', '.join(self.features)}"
            ) from None

    def configs(self) -> dict[str, FeatureConfig]:
        """The feature configs, e.g. to save in a project."""
        return {name: feature.config for name, feature in self.features.items()}

    def facts(self) -> dict[str, FeatureFacts]:
        """What the validator needs per feature (computed once, then cached)."""
        if self._facts is None:
            self._facts = {
                name: feature_facts(feature, self._arrays[name])
                for name, feature in self.features.items()
            }
        return dict(self._facts)


def feature_facts(feature: Feature, values: np.ndarray) -> FeatureFacts:
    """Compute the :class:`FeatureFacts` of ``feature`` from its encoded ``values``."""
    shape = tuple(feature.shape)
    minimum = float(values.min())
    maximum = float(values.max())
    if values.dtype.kind in "iub":
        integer_valued = True
    else:
        integer_valued = bool(np.all(values == np.floor(values)))
    one_hot = False
    if len(shape) == 1 and shape[0] >= 2 and integer_valued and minimum >= 0 and maximum <= 1:
        one_hot = bool(np.all(values.sum(axis=1) == 1))
    n_classes: int | None = None
    if one_hot:
        n_classes = shape[0]
    elif feature.kind is FeatureKind.CATEGORICAL:
        n_classes = len(feature.categories)
    elif integer_valued and shape in ((), (1,)) and minimum >= 0:
        n_classes = int(maximum) + 1
    return FeatureFacts(
        name=feature.name,
        shape=shape,
        minimum=minimum,
        maximum=maximum,
        integer_valued=integer_valued,
        one_hot=one_hot,
        n_classes=n_classes,
    )


def check_file(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Check that ``path`` is a supported, existing file within ``max_bytes``; read nothing."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in LOADERS:
        shown = f"extension {p.suffix!r}" if p.suffix else "no extension"
        raise DataError(
            p,
            f"has {shown}, which is not a dataset format LossStudio reads",
            hint=f"Use one of: {', '.join(SUPPORTED_EXTENSIONS)}.",
        )
    try:
        stat = p.stat()
    except FileNotFoundError:
        raise DataError(
            p, "file not found", hint="Check the path, or choose the file again."
        ) from None
    except OSError as exc:
        raise DataError(p, f"cannot be read: {exc.strerror or exc}") from None
    if p.is_dir():
        raise DataError(p, "is a folder, not a dataset file")
    if stat.st_size > max_bytes:
        raise DataError(
            p,
            f"the file is {_size_text(stat.st_size)}, more than the {_size_text(max_bytes)} "
            "limit for a dataset, so it was not read",
            hint="Use a smaller file, or raise the limit (max_bytes).",
        )
    return p


def load_dataset(
    path: str | os.PathLike[str],
    features: Mapping[str, FeatureConfig] | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Dataset:
    """Load a ``.csv``, ``.npz`` or ``.npy`` dataset, fitting ``features`` to it.

    ``features`` maps each feature name to its config; None gives one feature per CSV
    column (encoding ``none``, ``one_hot`` for text) or per array. Every problem raises
    :class:`DataError` naming the file and, where it applies, line, column or array.
    """
    p = check_file(path, max_bytes)
    loaded = LOADERS[p.suffix.lower()](p, features)
    return Dataset(p, loaded)


class DatasetReference(Protocol):
    """What :func:`load_dataset_for` reads (``lossstudio.core.project_model.DatasetRef``)."""

    @property
    def path(self) -> str: ...

    @property
    def features(self) -> Mapping[str, Mapping[str, Any]]: ...


def load_dataset_for(ref: DatasetReference, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Dataset:
    """Load the dataset a project refers to: its path and its stored feature configs.

    ``ref.features`` maps feature names to ``{"columns": [...], "encoding": ...}``
    (``name`` optional); empty means the default features. A bad config raises
    :class:`DataError` naming the file and the feature.
    """
    try:
        configs = configs_from_dicts(ref.features) if ref.features else None
    except ValueError as exc:
        raise DataError(
            ref.path,
            f"the project's features do not fit: {exc}",
            hint="Fix the feature in the project's dataset settings.",
        ) from None
    return load_dataset(ref.path, configs, max_bytes=max_bytes)
