"""Bad dataset files give a DataError naming the file, line/column or array (data layer)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from lossstudio.data import DataError, FeatureConfig, load_dataset
from lossstudio.data.dataset import load_dataset_for


def write(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, configs=None, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        load_dataset(path, configs, **kwargs)
    message = str(info.value)
    assert path.name in message, message
    return info.value


# --- CSV ---------------------------------------------------------------------------


def test_ragged_row(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n")
    error = error_of(path)
    assert "line 3" in str(error)
    assert "4 values" in str(error) and "5 columns" in str(error)
    assert error.line == 3


def test_ragged_row_line_counts_blank_lines_and_multiline_quotes(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b\n"x\ny",1\n\n2,3,4\n')
    assert error_of(path).line == 5


def test_non_numeric_value_in_declared_numeric_column(tmp_path: Path) -> None:
    path = write(tmp_path, "age,y\n31,0\n40,1\nforty,1\n")
    error = error_of(path, {"age": FeatureConfig("age", ("age",), "standardize")})
    message = str(error)
    assert "line 4" in message and "column 'age'" in message and "'forty'" in message
    assert "standardize" in message


def test_text_column_inside_a_feature_set(tmp_path: Path) -> None:
    path = write(tmp_path, "a,color\n1,red\n2,blue\n")
    error = error_of(path, {"x": FeatureConfig("x", ("a", "color"))})
    assert "line 2" in str(error) and "column 'color'" in str(error)


def test_missing_value_in_numeric_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n1,2\n3,\n5,6\n")
    error = error_of(path)
    message = str(error)
    assert "line 3" in message and "column 'b'" in message and "missing" in message


def test_missing_marker_in_numeric_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n1,2\n3,4\nNA,6\n")
    error = error_of(path)
    assert (error.line, error.column) == (4, "a")
    path = write(tmp_path, "a,b\n1,nan\n3,4\n", name="nan.csv")
    error = error_of(path)
    assert (error.line, error.column) == (2, "b")


def test_empty_value_in_text_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'color\nred\n""\nblue\n')
    error = error_of(path)
    assert (error.line, error.column) == (3, "color")


def test_infinite_value(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n1\ninf\n")
    error = error_of(path)
    assert (error.line, error.column) == (3, "a")


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert "empty" in str(error_of(path))
    path = write(tmp_path, "\n\n", name="blank.csv")
    assert "empty" in str(error_of(path))


def test_header_only(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,c\n")
    assert "no data rows" in str(error_of(path))


def test_no_header(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,3\n4,5,6\n")
    error = error_of(path)
    assert "no header" in str(error) and error.line == 1


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,a\n1,2,3\n")
    message = str(error_of(path))
    assert "'a' twice" in message and "columns 1 and 3" in message


def test_unnamed_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a,,c\n1,2,3\n")
    assert "column 2 of the header has no name" in str(error_of(path))


def test_semicolon_separated(tmp_path: Path) -> None:
    path = write(tmp_path, "a;b\n1;2\n")
    assert "semicolons" in str(error_of(path))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name\ncaf\u00e9\n".encode("latin-1"))
    assert "UTF-8" in str(error_of(path))


def test_unknown_column_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n1,2\n")
    message = str(error_of(path, {"x": FeatureConfig("x", ("a", "zz"))}))
    assert "'zz'" in message and "a, b" in message


def test_one_hot_of_negative_labels(tmp_path: Path) -> None:
    path = write(tmp_path, "y\n0\n1\n-1\n")
    error = error_of(path, {"y": FeatureConfig("y", ("y",), "one_hot")})
    assert (error.line, error.column) == (4, "y")


def test_one_hot_of_real_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "y\n0\n1.5\n")
    error = error_of(path, {"y": FeatureConfig("y", ("y",), "one_hot")})
    assert error.line == 3 and "whole-number" in str(error)


def test_bad_project_features_name_the_feature(tmp_path: Path) -> None:
    class Ref:
        path = str(write(tmp_path, "a\n1\n"))
        features = {"a": {"encoding": "log"}}

    with pytest.raises(DataError, match="'a'.*'log'"):
        load_dataset_for(Ref())


# --- NPZ / NPY ---------------------------------------------------------------------


def test_wrong_rank(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.ones(3), scale=np.float64(2.0))
    error = error_of(path)
    assert "wrong array rank" in str(error) and "array 'scale'" in str(error)
    path = tmp_path / "scalar.npy"
    np.save(path, np.float64(2.0))
    assert "wrong array rank" in str(error_of(path))


def test_mismatched_lengths_name_both_arrays(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, image=np.ones((100, 2)), label=np.zeros(90))
    message = str(error_of(path))
    assert "'image'" in message and "'label'" in message
    assert "100" in message and "90" in message


class _Trap:
    """Unpickling this creates a file: proof that something was unpickled."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self):
        return (Path.touch, (self.sentinel,))


def test_object_array_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    sentinel = tmp_path / "unpickled"
    objects = np.empty(2, dtype=object)
    objects[:] = [_Trap(sentinel), _Trap(sentinel)]
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.ones(2), things=objects)
    error = error_of(path)
    assert "array 'things'" in str(error) and "objects" in str(error)
    npy = tmp_path / "things.npy"
    np.save(npy, objects, allow_pickle=True)
    assert "objects" in str(error_of(npy))
    assert not sentinel.exists()


def test_text_array_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, names=np.array(["a", "b"]))
    assert "array 'names'" in str(error_of(path))


def test_nan_in_array_names_the_example(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.array([[1.0, 2.0], [3.0, np.nan]]))
    error = error_of(path)
    assert (error.array, error.example) == ("x", 1)


def test_corrupt_npz(tmp_path: Path) -> None:
    good = tmp_path / "good.npz"
    np.savez(good, x=np.arange(1000.0))
    data = good.read_bytes()
    path = tmp_path / "bad.npz"
    path.write_bytes(data[: len(data) // 2])
    assert "corrupt" in str(error_of(path))
    path = tmp_path / "text.npz"
    path.write_text("not a zip at all")
    assert "not a valid .npz" in str(error_of(path))


def test_empty_npz_and_empty_array(tmp_path: Path) -> None:
    path = tmp_path / "none.npz"
    np.savez(path)
    assert "no arrays" in str(error_of(path))
    path = tmp_path / "zero.npz"
    np.savez(path, x=np.ones((0, 3)))
    assert "no examples" in str(error_of(path))


def test_unknown_array_and_grouped_arrays(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.ones(3), y=np.ones(3))
    message = str(error_of(path, {"z": FeatureConfig("z")}))
    assert "'z'" in message and "x, y" in message
    assert "exactly one array" in str(error_of(path, {"xy": FeatureConfig("xy", ("x", "y"))}))


# --- the file itself ---------------------------------------------------------------


def test_too_large_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(2 * 2**30)  # sparse: no 2 GB written
    message = str(error_of(path))
    assert "2.0 GiB" in message and "1.0 GiB" in message and "not read" in message


def test_size_limit_can_be_lowered(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n" + "1\n" * 100)
    assert "limit" in str(error_of(path, max_bytes=50))
    assert load_dataset(path, max_bytes=10_000).n_examples == 100


def test_unsupported_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n1\n", name="data.xlsx")
    message = str(error_of(path))
    assert "'.xlsx'" in message and ".csv" in message and ".npz" in message


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in str(error_of(tmp_path / "nowhere.csv"))


def test_folder(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    os.mkdir(folder)
    assert "folder" in str(error_of(folder))
