"""``lossstudio validate PROJECT [--json]`` run as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lossstudio import Project


def run_validate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossstudio", "validate", *map(str, args)],
        capture_output=True, text=True, timeout=120, check=False,
    )


def save_model(path: Path, activation: str = "softplus", stray: bool = False) -> Path:
    p = Project()
    x = p.add("input", feature="x")
    d = p.add("dense", units=1, activation=activation)
    t = p.add("target", feature="y", loss="poisson")
    p.connect(x, d)
    p.connect(d, t)
    if stray:
        s = p.add("dense", node_id="stray")
        p.connect(x, s)
    p.save(path)
    return path


def test_clean_project_exits_0(tmp_path: Path) -> None:
    result = run_validate(save_model(tmp_path / "ok.lsproj"))
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout
    assert result.stderr == ""


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    result = run_validate(save_model(tmp_path / "warn.lsproj", stray=True))
    assert result.returncode == 0, result.stderr
    assert "dangling-block" in result.stdout and "stray" in result.stdout
    assert "0 error(s), 1 warning(s)" in result.stdout


def test_an_error_exits_1_and_is_printed(tmp_path: Path) -> None:
    result = run_validate(save_model(tmp_path / "bad.lsproj", activation="relu"))
    assert result.returncode == 1
    assert "Poisson needs outputs > 0; ReLU can output 0. Use Softplus or Exponential." in (
        result.stdout
    )
    assert "loss-activation-incompatible" in result.stdout and "dense_1" in result.stdout
    assert "1 error(s)" in result.stdout


def test_json_output(tmp_path: Path) -> None:
    result = run_validate(
        save_model(tmp_path / "bad.lsproj", activation="relu", stray=True), "--json"
    )
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    for row in rows:
        assert set(row) == {"node_id", "severity", "code", "message"}
    assert {(r["node_id"], r["severity"], r["code"]) for r in rows} == {
        ("dense_1", "error", "loss-activation-incompatible"),
        ("stray", "warning", "dangling-block"),
    }
    message = next(r["message"] for r in rows if r["node_id"] == "dense_1")
    assert message == "Poisson needs outputs > 0; ReLU can output 0. Use Softplus or Exponential."


def test_json_of_a_clean_project_is_an_empty_list(tmp_path: Path) -> None:
    result = run_validate(save_model(tmp_path / "ok.lsproj"), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_json_of_a_model_problem_without_a_block(tmp_path: Path) -> None:
    p = Project()
    p.add("input", feature="x")
    p.save(tmp_path / "no-target.lsproj")
    result = run_validate(tmp_path / "no-target.lsproj", "--json")
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert {"node_id": None, "severity": "error", "code": "missing-target",
            "message": rows[0]["message"]} in rows


def _assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", ("line 1", "column 2")),
        (b"\xff\xfe\x00", ("UTF-8",)),
        (b"[" * 100_000, ("JSON",)),
        (b'{"format": "lossstudio.project", "schema_version": 7}', ("schema version 7",)),
        (
            b'{"format": "lossstudio.project", "schema_version": 1, '
            b'"blocks": [{"id": "b", "type": "lstm"}]}',
            ("'lstm'", "block 'b'"),
        ),
    ],
    ids=["malformed", "not-utf8", "deeply-nested", "newer", "unknown-block"],
)
def test_unreadable_file_exits_2_with_one_line(tmp_path: Path, content: bytes, words) -> None:
    path = tmp_path / "broken.lsproj"
    path.write_bytes(content)
    for extra in ((), ("--json",)):
        result = run_validate(path, *extra)
        _assert_clean_failure(result, "broken.lsproj", *words)
    assert path.read_bytes() == content


def test_missing_file_exits_2(tmp_path: Path) -> None:
    _assert_clean_failure(run_validate(tmp_path / "absent.lsproj"), "absent.lsproj")


def test_missing_dataset_exits_2(tmp_path: Path) -> None:
    path = save_model(tmp_path / "p.lsproj")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["dataset"] = {"path": "gone.csv", "features": {}}
    path.write_text(json.dumps(document), encoding="utf-8")
    _assert_clean_failure(run_validate(path), "gone.csv")


def test_data_checks_run_when_the_dataset_is_there(tmp_path: Path) -> None:
    (tmp_path / "counts.csv").write_text(
        "x,y\n1.5,-2\n2.5,0\n0.5,4\n1.0,1\n", encoding="utf-8"
    )
    p = Project()
    p.use_dataset(tmp_path / "counts.csv")
    x = p.add("input", feature="x")
    d = p.add("dense", units=1, activation="softplus")
    t = p.add("target", feature="y", loss="poisson")
    p.connect(x, d)
    p.connect(d, t)
    p.save(tmp_path / "counts.lsproj")
    result = run_validate(tmp_path / "counts.lsproj", "--json")
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["node_id"], r["code"]) for r in rows] == [(t, "target-out-of-domain")]
