"""Features and their encodings (data layer).

A :class:`FeatureConfig` is what a project stores about a feature: its name, the CSV
columns (or the NPZ array) it is made of, and its encoding. A :class:`Feature` is that
config fitted to real data: the shape per example after encoding, the categories of a
text column and the encoding statistics (mean/std or min/max), kept as plain floats so
they can be written to JSON and applied again at export time with :meth:`Feature.encode`.

Statistics are taken over the examples for each element of the last axis: per column
for a CSV feature set, per channel for an ``(H, W, C)`` image, and one pair for a
feature with one value per example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

MAX_CLASSES = 10_000
"""The most classes a one-hot encoding may have (wider is almost surely not a label)."""

MAX_ONE_HOT_BYTES = 2 * 2**30
"""The largest one-hot array (examples × classes × 4 bytes) the loader will build."""


class Encoding(StrEnum):
    """How a feature's raw values become the numbers a model sees."""

    NONE = "none"
    STANDARDIZE = "standardize"
    MIN_MAX = "min_max"
    ONE_HOT = "one_hot"


ENCODINGS: tuple[str, ...] = tuple(e.value for e in Encoding)


class FeatureKind(StrEnum):
    """Whether a feature comes from numbers or from categorical text."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


class EncodingError(ValueError):
    """A value that the chosen encoding cannot take; ``example`` is its 0-based index."""

    def __init__(self, message: str, example: int | None = None) -> None:
        super().__init__(message)
        self.example = example


def parse_encoding(value: object) -> Encoding:
    """Return the :class:`Encoding` named by ``value``; ValueError names it and the valid ones."""
    if isinstance(value, Encoding):
        return value
    if isinstance(value, str) and value in ENCODINGS:
        return Encoding(value)
    raise ValueError(f"unknown encoding {value!r}; use one of: {', '.join(ENCODINGS)}")


@dataclass(frozen=True)
class FeatureConfig:
    """A feature as a project declares it.

    ``columns`` are the CSV columns grouped into this feature (several make a vector
    "feature set"), or the one NPZ array; empty means the column/array named ``name``.
    """

    name: str
    columns: tuple[str, ...] = ()
    encoding: Encoding = Encoding.NONE

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"a feature needs a non-empty name, got {self.name!r}")
        columns: object = self.columns
        if isinstance(columns, str):
            columns = (columns,)
        if not isinstance(columns, Sequence) or not all(isinstance(c, str) and c for c in columns):
            raise ValueError(
                f"feature {self.name!r}: columns must be a list of column names, got {columns!r}"
            )
        object.__setattr__(self, "columns", tuple(columns) or (self.name,))
        object.__setattr__(self, "encoding", parse_encoding(self.encoding))

    def to_dict(self) -> dict[str, Any]:
        """Return the config as JSON-able plain data."""
        return {"name": self.name, "columns": list(self.columns), "encoding": str(self.encoding)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str | None = None) -> FeatureConfig:
        """Build a config from :meth:`to_dict` data; ValueError names what is wrong.

        ``name`` (e.g. the key the config is stored under) is used when ``data`` has no
        ``"name"``; when both are given they must agree.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"feature {name!r} must be an object, got {data!r}")
        unknown = sorted(set(data) - {"name", "columns", "encoding"})
        shown = data.get("name", name)
        if unknown:
            raise ValueError(
                f"feature {shown!r}: unknown key(s) {', '.join(map(repr, unknown))}; "
                "expected name, columns, encoding"
            )
        if "name" in data and name is not None and data["name"] != name:
            raise ValueError(f"feature {name!r} says its name is {data['name']!r}")
        if shown is None:
            raise ValueError(f"a feature needs a name: {dict(data)!r}")
        columns = data.get("columns", ())
        if isinstance(columns, str):
            columns = (columns,)
        if not isinstance(columns, list | tuple):
            raise ValueError(
                f"feature {shown!r}: columns must be a list of column names, got {columns!r}"
            )
        return cls(
            name=shown,
            columns=tuple(columns),
            encoding=parse_encoding(data.get("encoding", "none")),
        )


def configs_from_dicts(features: Mapping[str, Mapping[str, Any]]) -> dict[str, FeatureConfig]:
    """Turn ``{name: {"columns": [...], "encoding": ...}}`` (as projects store it) into
    configs; ValueError names the feature that is wrong."""
    out: dict[str, FeatureConfig] = {}
    for key, data in features.items():
        try:
            out[key] = FeatureConfig.from_dict(data, name=key)
        except ValueError as exc:
            message = str(exc)
            if repr(key) not in message:
                message = f"feature {key!r}: {message}"
            raise ValueError(message) from None
    return out


def _floats(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in np.atleast_1d(values))


@dataclass(frozen=True)
class Feature:
    """A feature fitted to a dataset: its shape after encoding and its statistics.

    ``shape`` is per example (no batch axis). ``dtype`` is ``"int64"`` for integer data
    and text categories that keep encoding ``none``, else ``"float32"``. ``categories``
    are the sorted texts of a categorical column (encoded as their index).
    ``n_classes`` is the one-hot width of integer labels. ``mean``/``std`` (standardize;
    a std of 0 is stored as 1) and ``minimum``/``maximum`` (min_max) have one value per
    element of the last axis, or one value for a feature with one value per example.
    """

    name: str
    columns: tuple[str, ...]
    encoding: Encoding
    kind: FeatureKind
    shape: tuple[int, ...]
    dtype: str
    categories: tuple[str, ...] = ()
    n_classes: int | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    minimum: tuple[float, ...] | None = None
    maximum: tuple[float, ...] | None = None
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({c: i for i, c in enumerate(self.categories)})

    @property
    def config(self) -> FeatureConfig:
        """The config this feature was fitted from."""
        return FeatureConfig(self.name, self.columns, self.encoding)

    def to_dict(self) -> dict[str, Any]:
        """Return the feature, statistics included, as JSON-able plain data."""
        out: dict[str, Any] = {
            "name": self.name,
            "columns": list(self.columns),
            "encoding": str(self.encoding),
            "kind": str(self.kind),
            "shape": list(self.shape),
            "dtype": self.dtype,
        }
        if self.categories:
            out["categories"] = list(self.categories)
        if self.n_classes is not None:
            out["n_classes"] = self.n_classes
        for key in ("mean", "std", "minimum", "maximum"):
            value = getattr(self, key)
            if value is not None:
                out[key] = list(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Feature:
        """Rebuild a feature from :meth:`to_dict` data (e.g. at export time)."""

        def stats(key: str) -> tuple[float, ...] | None:
            value = data.get(key)
            return None if value is None else tuple(float(v) for v in value)

        n_classes = data.get("n_classes")
        return cls(
            name=str(data["name"]),
            columns=tuple(str(c) for c in data["columns"]),
            encoding=parse_encoding(data["encoding"]),
            kind=FeatureKind(data["kind"]),
            shape=tuple(int(s) for s in data["shape"]),
            dtype=str(data["dtype"]),
            categories=tuple(str(c) for c in data.get("categories", ())),
            n_classes=None if n_classes is None else int(n_classes),
            mean=stats("mean"),
            std=stats("std"),
            minimum=stats("minimum"),
            maximum=stats("maximum"),
        )

    def encode(self, raw: np.ndarray | Sequence[Any]) -> np.ndarray:
        """Encode raw values of shape ``(N, *raw_shape)`` with this feature's statistics.

        Numeric raw values are the columns (``(N, len(columns))`` for CSV) or the array.
        A categorical feature takes its texts (or their indices) of shape ``(N,)`` or
        ``(N, 1)``. Raises :class:`EncodingError` for values the encoding cannot take.
        """
        x = np.asarray(raw)
        if self.kind is FeatureKind.CATEGORICAL:
            idx = self._category_indices(x)
            if self.encoding is Encoding.ONE_HOT:
                return _one_hot(idx, len(self.categories))
            return idx.reshape(-1, 1)
        if self.encoding is Encoding.STANDARDIZE:
            assert self.mean is not None and self.std is not None
            mean = np.asarray(self.mean, dtype=np.float64)
            std = np.asarray(self.std, dtype=np.float64)
            return ((x.astype(np.float64) - mean) / std).astype(np.float32)
        if self.encoding is Encoding.MIN_MAX:
            assert self.minimum is not None and self.maximum is not None
            low = np.asarray(self.minimum, dtype=np.float64)
            span = np.asarray(self.maximum, dtype=np.float64) - low
            span[span == 0] = 1.0
            return ((x.astype(np.float64) - low) / span).astype(np.float32)
        if self.encoding is Encoding.ONE_HOT:
            assert self.n_classes is not None
            idx = _class_indices(x, self.n_classes)
            return _one_hot(idx, self.n_classes)
        return x.astype(self.dtype)

    def _category_indices(self, x: np.ndarray) -> np.ndarray:
        flat = x.reshape(len(x), -1) if x.ndim else x.reshape(1, 1)
        if flat.shape[1] != 1:
            raise EncodingError(f"a categorical feature takes one value per example, got {x.shape}")
        flat = flat[:, 0]
        if flat.dtype.kind in "iu":
            return _class_indices(flat, len(self.categories))
        out = np.empty(len(flat), dtype=np.int64)
        for i, value in enumerate(flat):
            text = str(value).strip()
            if text not in self._index:
                raise EncodingError(
                    f"unknown category {text!r}; known: {', '.join(self.categories)}", i
                )
            out[i] = self._index[text]
        return out


def _one_hot(idx: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((len(idx), n_classes), dtype=np.float32)
    out[np.arange(len(idx)), idx] = 1.0
    return out


def _class_indices(x: np.ndarray, n_classes: int | None) -> np.ndarray:
    """Check that ``x`` holds one class index per example and return it as int64 ``(N,)``."""
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] != 1):
        raise EncodingError(
            f"one_hot needs one class index per example; this feature has shape {x.shape[1:]}"
        )
    flat = x.reshape(-1)
    if flat.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(flat) | (flat != np.round(flat)))
        if bad.size:
            i = int(bad[0])
            raise EncodingError(f"one_hot needs whole-number class indices, got {flat[i]!r}", i)
    idx = flat.astype(np.int64)
    negative = np.flatnonzero(idx < 0)
    if negative.size:
        i = int(negative[0])
        raise EncodingError(f"one_hot needs class indices 0, 1, 2, …, got {int(idx[i])}", i)
    if n_classes is not None:
        over = np.flatnonzero(idx >= n_classes)
        if over.size:
            i = int(over[0])
            raise EncodingError(
                f"class index {int(idx[i])} is out of range for {n_classes} classes", i
            )
    return idx


def _check_one_hot_size(n_examples: int, n_classes: int) -> None:
    if n_classes > MAX_CLASSES:
        raise EncodingError(
            f"one_hot would make {n_classes} classes (more than {MAX_CLASSES}); this does not "
            "look like a class label, so use encoding none, standardize or min_max"
        )
    if n_examples * n_classes * 4 > MAX_ONE_HOT_BYTES:
        raise EncodingError(
            f"one_hot of {n_examples} examples × {n_classes} classes would not fit in memory"
        )


def fit_feature(
    config: FeatureConfig,
    raw: np.ndarray,
    categories: tuple[str, ...] | None = None,
) -> Feature:
    """Fit ``config`` to ``raw`` values of shape ``(N, *raw_shape)``; return the Feature.

    ``categories`` makes the feature categorical: ``raw`` then holds their int indices.
    Numeric ``raw`` of an integer dtype stays int64 under encoding ``none``. Raises
    :class:`EncodingError` (with the example's index where there is one) when the
    encoding cannot take the values.
    """
    encoding = config.encoding
    base: dict[str, Any] = {"name": config.name, "columns": config.columns, "encoding": encoding}
    n = len(raw)
    if categories is not None:
        if encoding in (Encoding.STANDARDIZE, Encoding.MIN_MAX):
            raise EncodingError(f"{encoding} needs numbers, but the values are text")
        if encoding is Encoding.ONE_HOT:
            _check_one_hot_size(n, len(categories))
            shape: tuple[int, ...] = (len(categories),)
            dtype = "float32"
        else:
            shape, dtype = (1,), "int64"
        return Feature(
            **base, kind=FeatureKind.CATEGORICAL, shape=shape, dtype=dtype, categories=categories
        )
    numeric = dict(base, kind=FeatureKind.NUMERIC)
    if encoding is Encoding.ONE_HOT:
        idx = _class_indices(raw, None)
        n_classes = int(idx.max()) + 1 if n else 1
        _check_one_hot_size(n, n_classes)
        return Feature(**numeric, shape=(n_classes,), dtype="float32", n_classes=n_classes)
    shape = tuple(int(s) for s in raw.shape[1:])
    if encoding is Encoding.NONE:
        dtype = "int64" if raw.dtype.kind in "iub" else "float32"
        return Feature(**numeric, shape=shape, dtype=dtype)
    x = raw.astype(np.float64)
    axes = tuple(range(x.ndim - 1)) if x.ndim >= 2 else (0,)
    if encoding is Encoding.STANDARDIZE:
        std = x.std(axis=axes)
        std = np.where(std == 0, 1.0, std)
        return Feature(
            **numeric,
            shape=shape,
            dtype="float32",
            mean=_floats(x.mean(axis=axes)),
            std=_floats(std),
        )
    return Feature(
        **numeric,
        shape=shape,
        dtype="float32",
        minimum=_floats(x.min(axis=axes)),
        maximum=_floats(x.max(axis=axes)),
    )


@dataclass(frozen=True)
class LoadedData:
    """What a loader hands to :class:`~lossstudio.data.dataset.Dataset`."""

    columns: tuple[str, ...]
    features: dict[str, Feature]
    arrays: dict[str, np.ndarray]
    n_examples: int
