"""NPZ and NPY files as datasets (data layer).

In an ``.npz`` file each array is a feature; an ``.npy`` file is one array whose feature
is named after the file stem. The first axis is the example axis, so a feature's shape
per example is ``array.shape[1:]`` and every array must have the same length. Arrays
are read with ``allow_pickle=False``: nothing is ever unpickled, and arrays of Python
objects are refused. Booleans and integers stay integer (int64) under encoding
``none``; floats become float32.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

import numpy as np

from lossstudio.data.errors import DataError
from lossstudio.data.features import (
    Encoding,
    EncodingError,
    Feature,
    FeatureConfig,
    LoadedData,
    fit_feature,
)

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
NPY_MAGIC = b"\x93NUMPY"

_KINDS = {
    "c": "complex numbers",
    "U": "text",
    "S": "bytes",
    "V": "structured records",
    "M": "dates",
    "m": "time spans",
    "O": "Python objects",
}


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(6)
    except OSError as exc:
        raise DataError(path, f"cannot be read: {exc.strerror or exc}") from None


def _read_arrays(path: Path, wanted: list[str] | None) -> tuple[list[str], dict[str, np.ndarray]]:
    """Return all array names in file order and the ``wanted`` arrays (all if None)."""
    magic = _magic(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        if not magic.startswith(NPY_MAGIC):
            hint = "It is a zip archive; rename it to .npz." if magic[:4] in ZIP_MAGIC else None
            raise DataError(path, "is not a valid .npy file (no NumPy header)", hint=hint)
        name = path.stem
        return [name], {name: _load_member(path, name, lambda: np.load(path, allow_pickle=False))}
    if magic[:4] not in ZIP_MAGIC:
        hint = "It is a .npy file; rename it to .npy." if magic.startswith(NPY_MAGIC) else None
        raise DataError(path, "is not a valid .npz file (not a zip archive)", hint=hint)
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
            names = list(npz.files)
            take = names if wanted is None else [n for n in wanted if n in names]
            arrays = {n: _load_member(path, n, partial(npz.__getitem__, n)) for n in take}
    except DataError:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, KeyError) as exc:
        raise DataError(
            path,
            f"is corrupt or not a NumPy .npz file ({exc})",
            hint="Save it again with numpy.savez or numpy.savez_compressed.",
        ) from None
    return names, arrays


def _load_member(path: Path, name: str, load: Callable[[], object]) -> np.ndarray:
    try:
        value = load()
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(
                path,
                "holds Python objects (dtype object), which LossStudio never unpickles",
                array=name,
                hint="Save it as a numeric array.",
            ) from None
        raise DataError(path, f"is corrupt ({exc})", array=name) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise DataError(path, f"is corrupt ({exc})", array=name) from None
    if not isinstance(value, np.ndarray):
        raise DataError(path, "is not an array", array=name)
    return value


def _check_array(path: Path, name: str, array: np.ndarray) -> None:
    kind = array.dtype.kind
    if kind not in "biuf":
        what = _KINDS.get(kind, f"dtype {array.dtype}")
        raise DataError(
            path,
            f"holds {what} (dtype {array.dtype}); a feature must be numbers",
            array=name,
            hint="Save it as an integer or float array.",
        )
    if array.ndim == 0:
        raise DataError(
            path,
            "wrong array rank: it is a single value (0-d)",
            array=name,
            hint="The first axis must be the examples; save one value per example.",
        )
    if len(array) == 0:
        raise DataError(path, "has no examples (its first axis has length 0)", array=name)
    if kind == "f":
        finite = np.isfinite(array.reshape(len(array), -1)).all(axis=1)
        if not finite.all():
            raise DataError(
                path,
                "holds NaN or infinite values",
                array=name,
                example=int(np.flatnonzero(~finite)[0]),
                hint="Replace them with finite values or drop those examples.",
            )


def load_npz(path: Path, configs: Mapping[str, FeatureConfig] | None = None) -> LoadedData:
    """Read an ``.npz``/``.npy`` dataset and fit ``configs`` (default: one per array)."""
    wanted = None
    if configs is not None:
        wanted = []
        for key, config in configs.items():
            if key != config.name:
                raise DataError(path, f"feature key {key!r} differs from its name {config.name!r}")
            if len(config.columns) != 1:
                raise DataError(
                    path,
                    f"feature {config.name!r} groups {len(config.columns)} arrays; in NPZ/NPY "
                    "files a feature is exactly one array",
                    hint="Stack them into one array when saving the file.",
                )
            wanted.append(config.columns[0])
    names, arrays = _read_arrays(path, wanted)
    if not names:
        raise DataError(path, "holds no arrays", hint="Save at least one array per feature.")
    for array_name in wanted or ():
        if array_name not in arrays:
            raise DataError(
                path,
                f"has no array named {array_name!r}",
                hint=f"The arrays are: {', '.join(names)}.",
            )
    first: str | None = None
    for name, array in arrays.items():
        _check_array(path, name, array)
        if first is None:
            first = name
        elif len(array) != len(arrays[first]):
            raise DataError(
                path,
                f"array {name!r} has {len(array)} examples but array {first!r} has "
                f"{len(arrays[first])}",
                hint="All arrays must have the same length along the first (example) axis.",
            )
    assert first is not None
    if configs is None:
        configs = {n: FeatureConfig(n, (n,), Encoding.NONE) for n in names}
    features: dict[str, Feature] = {}
    encoded: dict[str, np.ndarray] = {}
    for key, config in configs.items():
        name = config.columns[0]
        raw = arrays[name]
        try:
            feature = fit_feature(config, raw)
            encoded[key] = feature.encode(raw)
        except EncodingError as exc:
            raise DataError(path, str(exc), array=name, example=exc.example) from None
        features[key] = feature
    return LoadedData(tuple(names), features, encoded, len(arrays[first]))
