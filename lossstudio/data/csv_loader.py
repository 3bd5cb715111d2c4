"""CSV files as datasets (data layer).

The file is read with the standard ``csv`` module; the first line is the header naming
the columns. A column is numeric when every value parses as a number, else it is
categorical text: its sorted distinct values are the categories, encoded as their
integer index (encoding ``none``) or one-hot. Columns of whole numbers written without
a decimal point stay integer (int64) under encoding ``none``.

Errors name the file, the line (the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
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

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
"""Values (lower-cased, stripped) that count as missing in a column of numbers."""


@dataclass
class _Column:
    """One column of the file, typed."""

    name: str
    numeric: bool
    integer: bool
    values: np.ndarray | None  # float64 (N,), NaN where missing; None for text
    texts: list[str]  # stripped raw values
    first_missing: int | None  # row index of the first missing value
    first_text: int | None  # row index of the first value that is not a number
    first_infinite: int | None


def _type_column(name: str, texts: list[str]) -> _Column:
    try:  # fast path: every value is a number
        values = np.array(texts, dtype=np.float64)
    except ValueError:
        return _type_column_slowly(name, texts)
    if np.isnan(values).any():
        return _type_column_slowly(name, texts)  # "nan" is a missing marker
    infinite = np.flatnonzero(np.isinf(values))
    first_infinite = int(infinite[0]) if infinite.size else None
    integer = bool(np.all(values == np.floor(values))) and all(map(_is_int, texts))
    return _Column(name, True, integer, values, texts, None, None, first_infinite)


def _is_int(text: str) -> bool:
    return text.lstrip("+-").isdigit()


def _type_column_slowly(name: str, texts: list[str]) -> _Column:
    values = np.empty(len(texts), dtype=np.float64)
    integer = True
    first_missing: int | None = None
    first_infinite: int | None = None
    for i, text in enumerate(texts):
        if text.lower() in MISSING:
            values[i] = math.nan
            if first_missing is None:
                first_missing = i
            continue
        try:
            value = float(text)
        except ValueError:
            return _Column(name, False, False, None, texts, _first_empty(texts), i, None)
        if math.isinf(value) and first_infinite is None:
            first_infinite = i
        values[i] = value
        if integer and not _is_int(text):
            integer = False
    return _Column(name, True, integer, values, texts, first_missing, None, first_infinite)


def _first_empty(texts: list[str]) -> int | None:
    for i, text in enumerate(texts):
        if not text:
            return i
    return None


def _read(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Return the header, the rows (stripped values) and each row's first line number."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = 0
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            for row in reader:
                line = previous + 1
                previous = reader.line_num
                blank = len(row) == 1 and not row[0].strip()
                if not row or blank and (header is None or len(header) > 1):
                    continue  # a blank line (in a one-column file: an empty value)
                values = list(map(str.strip, row))
                if header is None:
                    header = values
                    _check_header(path, header, line)
                    continue
                if len(values) != len(header):
                    raise DataError(
                        path,
                        f"the row has {len(values)} values, the header has {len(header)} columns",
                        line=line,
                        hint="Every row needs one value per column; fix or remove that row.",
                    )
                rows.append(values)
                lines.append(line)
    except UnicodeDecodeError as exc:
        raise DataError(
            path,
            f"is not UTF-8 text ({exc.reason} at byte {exc.start})",
            hint="Save the file as UTF-8 CSV.",
        ) from None
    except csv.Error as exc:
        raise DataError(
            path,
            f"is not a readable CSV file: {exc}",
            line=previous + 1,
        ) from None
    except OSError as exc:
        raise DataError(path, f"cannot be read: {exc.strerror or exc}") from None
    if header is None:
        raise DataError(
            path,
            "the file is empty",
            hint="A CSV dataset needs a header line naming the columns, then one row per example.",
        )
    if not rows:
        raise DataError(
            path,
            "the file has a header but no data rows",
            hint="Add one row per example below the header.",
        )
    return header, rows, lines


def _check_header(path: Path, header: list[str], line: int) -> None:
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if sep in header[0]:
                raise DataError(
                    path,
                    f"the header is one column {header[0]!r} that contains {name}",
                    line=line,
                    hint="LossStudio reads comma-separated files; save it with commas.",
                )
    numbers = 0
    for text in header:
        try:
            float(text)
            numbers += 1
        except ValueError:
            pass
    if numbers == len(header):
        raise DataError(
            path,
            "there is no header: the first line holds only numbers",
            line=line,
            hint="Add a first line naming the columns, e.g. x1,x2,label.",
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            raise DataError(
                path,
                f"column {position} of the header has no name",
                line=line,
                hint="Give every column a name.",
            )
        if name in seen:
            raise DataError(
                path,
                f"the header names column {name!r} twice (columns {seen[name]} and {position})",
                line=line,
                hint="Give every column a different name.",
            )
        seen[name] = position


def default_configs(header: list[str], columns: Mapping[str, _Column]) -> dict[str, FeatureConfig]:
    """One feature per column: encoding none, or one_hot for categorical text."""
    out: dict[str, FeatureConfig] = {}
    for name in header:
        encoding = Encoding.NONE if columns[name].numeric else Encoding.ONE_HOT
        out[name] = FeatureConfig(name, (name,), encoding)
    return out


def load_csv(path: Path, configs: Mapping[str, FeatureConfig] | None = None) -> LoadedData:
    """Read a CSV dataset and fit ``configs`` (default: one feature per column)."""
    header, rows, lines = _read(path)
    by_column = list(zip(*rows, strict=True))
    columns = {name: _type_column(name, list(by_column[i])) for i, name in enumerate(header)}
    if configs is None:
        configs = default_configs(header, columns)
    features: dict[str, Feature] = {}
    arrays: dict[str, np.ndarray] = {}
    for key, config in configs.items():
        if key != config.name:
            raise DataError(path, f"feature key {key!r} differs from its name {config.name!r}")
        feature, array = _fit(path, config, columns, lines)
        features[key] = feature
        arrays[key] = array
    return LoadedData(tuple(header), features, arrays, len(rows))


def _fit(
    path: Path, config: FeatureConfig, columns: Mapping[str, _Column], lines: list[int]
) -> tuple[Feature, np.ndarray]:
    used: list[_Column] = []
    for name in config.columns:
        if name not in columns:
            raise DataError(
                path,
                f"feature {config.name!r} uses column {name!r}, which the file lacks",
                hint=f"The columns are: {', '.join(columns)}.",
            )
        used.append(columns[name])
    encoding = config.encoding
    text = [c for c in used if not c.numeric]
    wants_numbers = encoding in (Encoding.STANDARDIZE, Encoding.MIN_MAX)
    if text and (wants_numbers or len(used) > 1):
        column = text[0]
        assert column.first_text is not None
        why = (
            f"encoding {encoding} needs numbers"
            if wants_numbers
            else f"feature set {config.name!r} groups several columns, and they must be numbers"
        )
        raise DataError(
            path,
            f"{column.texts[column.first_text]!r} is not a number; {why}",
            line=lines[column.first_text],
            column=column.name,
            hint=(
                "Fix the value, or give this text column its own feature with encoding "
                "one_hot or none."
            ),
        )
    if text:
        return _fit_text(path, config, text[0], lines)
    for column in used:
        if column.first_missing is not None:
            raise DataError(
                path,
                "a value is missing",
                line=lines[column.first_missing],
                column=column.name,
                hint="Fill it in or remove that row.",
            )
        if column.first_infinite is not None:
            raise DataError(
                path,
                f"{column.texts[column.first_infinite]!r} is not a finite number",
                line=lines[column.first_infinite],
                column=column.name,
                hint="Replace it with a finite value or remove that row.",
            )
    assert all(c.values is not None for c in used)
    raw = np.stack([c.values for c in used if c.values is not None], axis=1)
    if all(c.integer for c in used):
        raw = raw.astype(np.int64)
    try:
        feature = fit_feature(config, raw)
        return feature, feature.encode(raw)
    except EncodingError as exc:
        line = None if exc.example is None else lines[exc.example]
        raise DataError(path, str(exc), line=line, column=", ".join(config.columns)) from None


def _fit_text(
    path: Path, config: FeatureConfig, column: _Column, lines: list[int]
) -> tuple[Feature, np.ndarray]:
    empty = _first_empty(column.texts)
    if empty is not None:
        raise DataError(
            path,
            "a value is missing (empty)",
            line=lines[empty],
            column=column.name,
            hint="Fill it in or remove that row.",
        )
    categories = tuple(sorted(set(column.texts)))
    index = {c: i for i, c in enumerate(categories)}
    raw = np.fromiter((index[t] for t in column.texts), dtype=np.int64, count=len(column.texts))
    try:
        feature = fit_feature(config, raw, categories=categories)
        return feature, feature.encode(raw)
    except EncodingError as exc:
        line = None if exc.example is None else lines[exc.example]
        raise DataError(path, str(exc), line=line, column=column.name) from None
