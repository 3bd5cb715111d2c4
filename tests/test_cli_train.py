"""``lossstudio train`` and ``lossstudio runs`` as a user runs them, in a subprocess; also
data-parallel training with two CPU processes under ``torchrun`` (gloo).
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from lossstudio.data import split_indices
from lossstudio.io.examples import example_project
from lossstudio.project import Project

DIGITS = example_project("digits")
TIMEOUT = 120
DONE = re.compile(r"^run completed: (?P<path>.+) \(best val_loss (?P<best>\S+) at epoch (\d+)\)$")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def start(*args: str | Path, cwd: Path, torchrun: bool = False) -> subprocess.Popen[str]:
    """Start ``python -m lossstudio ARGS`` (under ``torchrun`` with two processes)."""
    command = [sys.executable]
    if torchrun:
        command += ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    command += ["-m", "lossstudio", *map(str, args)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> Result:
    """Wait for a started command and return what it printed."""
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    return Result(process.returncode, stdout, stderr)


def lossstudio(*args: str | Path, cwd: Path, torchrun: bool = False) -> Result:
    """Run ``python -m lossstudio ARGS`` to the end."""
    return finish(start(*args, cwd=cwd, torchrun=torchrun))


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _history(folder: Path) -> tuple[list[str], list[list[float]]]:
    header, *rows = (folder / "history.csv").read_text(encoding="utf-8").splitlines()
    return header.split(","), [[float(cell) for cell in row.split(",")] for row in rows]


def _finished_epochs(runs: Path) -> int:
    """Complete rows in the history.csv of the (only) run in ``runs``, 0 before it exists."""
    found = list(runs.glob("*/history.csv"))
    if not found:
        return 0
    return max(found[0].read_text(encoding="utf-8").count("\n") - 1, 0)


def _examples_runs() -> list[str]:
    folder = DIGITS.parent / "runs"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """One ordinary ``train digits --epochs 2`` run, shared by the tests that read it."""
    folder = tmp_path_factory.mktemp("single")
    runs = folder / "runs"
    before = _examples_runs()
    result = lossstudio(
        "train", DIGITS, "--epochs", "2", "--runs", runs, "--device", "cpu", cwd=folder
    )
    assert _examples_runs() == before, "a run was written beside the bundled project"
    return result, runs


def test_train_prints_each_epoch_and_the_run_folder(single_run: tuple[Result, Path]) -> None:
    result, runs = single_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1/2  train_loss ")
    assert lines[1].startswith("epoch 2/2  train_loss ")
    assert all("val_loss" in line and "accuracy" in line for line in lines[:2])
    done = DONE.match(lines[-1])
    assert done, lines[-1]
    folder = Path(done["path"])
    assert folder.parent == runs and folder.is_dir()
    data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert data["status"] == "completed"
    assert data["name"] == "digits"
    assert float(done["best"]) == pytest.approx(data["best_val_loss"], rel=1e-5)
    assert f"val_loss {data['best_val_loss']:.6g}" in lines[data["best_epoch"] - 1]


def test_runs_prints_a_table_with_the_run(single_run: tuple[Result, Path], tmp_path: Path) -> None:
    _, runs = single_run
    (folder,) = runs.iterdir()
    data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    listed = lossstudio("runs", runs, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    header, rule, row = listed.stdout.strip().splitlines()
    assert "BEST VAL LOSS" in header and "STATUS" in header
    assert set(rule) <= {"-", " "}
    assert folder.name in row and "completed" in row and "categorical_crossentropy" in row
    assert f"{data['best_val_loss']:.6g}" in row
    missing = lossstudio("runs", tmp_path / "nowhere", cwd=tmp_path)
    assert missing.returncode == 2
    assert "no such folder" in missing.stderr


def test_train_refuses_a_model_with_an_error(tmp_path: Path) -> None:
    project = Project.load(DIGITS)
    project.set("dense_2", activation="relu")  # ReLU can output 0: no log for crossentropy
    (problem,) = project.validate()
    assert problem.severity == "error"
    broken = project.save(tmp_path / "broken.lsproj")
    result = lossstudio("train", broken, "--runs", tmp_path / "runs", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "1 error(s)" in result.stderr
    assert f"[dense_2] {problem.message}" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_train_an_unreadable_project_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.lsproj"
    bad.write_text('{"format": "lossstudio.project", "schema_version": 1, "blocks": [', "utf-8")
    missing = tmp_path / "missing.lsproj"
    started = {
        path: start("train", path, "--runs", tmp_path / "runs", cwd=tmp_path)
        for path in (bad, missing)
    }
    for path, process in started.items():
        result = finish(process)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("lossstudio: ")
        assert path.name in result.stderr
        assert "Traceback" not in result.stderr
    assert bad.read_text("utf-8").endswith('"blocks": [')  # never overwritten
    assert not (tmp_path / "runs").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without a GPU")
def test_train_on_cuda_without_a_gpu_is_refused(tmp_path: Path) -> None:
    result = lossstudio(
        "train", DIGITS, "--device", "cuda", "--runs", tmp_path / "runs", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "no CUDA GPU" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_ctrl_c_stops_the_run_cleanly(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    command = [
        sys.executable,
        "-m",
        "lossstudio",
        "train",
        str(DIGITS),
        "--epochs",
        "100000",
        "--runs",
        str(runs),
        "--device",
        "cpu",
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while _finished_epochs(runs) < 1:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert stdout.strip().splitlines()[-1].startswith("run stopped: ")
    (folder,) = runs.iterdir()
    data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert data["status"] == "stopped"
    assert data["ended"] is not None
    assert 1 <= data["epochs_done"] < 100000


def torchrun_two_epochs(project: Path, runs: Path, cwd: Path) -> Result:
    """``lossstudio train PROJECT --epochs 2`` on the CPU under ``torchrun``, two processes."""
    return lossstudio(
        "train", project, "--epochs", "2", "--runs", runs, "--device", "cpu",
        cwd=cwd, torchrun=True,
    )


def test_torchrun_two_cpu_processes_write_one_run(
    single_run: tuple[Result, Path], tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    result = torchrun_two_epochs(DIGITS, runs, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # only rank 0 prints and writes
    assert result.stdout.count("epoch 1/2 ") == 1
    assert result.stdout.count("run completed: ") == 1
    (folder,) = runs.iterdir()
    data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert data["status"] == "completed"
    assert data["epochs_done"] == 2
    header, rows = _history(folder)
    assert [row[0] for row in rows] == [1.0, 2.0]
    assert all(math.isfinite(value) for row in rows for value in row)
    assert rows[1][header.index("val_loss")] < rows[0][header.index("val_loss")]

    # the same layout as a single-process run
    _, single_runs = single_run
    (single,) = single_runs.iterdir()
    assert (
        _files(folder)
        == _files(single)
        == {
            "run.json",
            "history.csv",
            "checkpoints/best.pt",
            "checkpoints/last.pt",
            "predictions/best_confusion.npy",
        }
    )
    # the confusion counts of both ranks' shares: the whole validation split, and the
    # best epoch's accuracy
    confusion = np.load(folder / "predictions" / "best_confusion.npy", allow_pickle=False)
    best = data["best_epoch"] - 1
    single_confusion = np.load(single / "predictions" / "best_confusion.npy")
    assert confusion.sum() == single_confusion.sum() > 0
    assert np.trace(confusion) / confusion.sum() == pytest.approx(
        rows[best][header.index("accuracy")]
    )
    single_header, _ = _history(single)
    assert header == single_header
    single_data = json.loads((single / "run.json").read_text(encoding="utf-8"))
    assert set(data) == set(single_data)
    assert data["settings"] == single_data["settings"]
    for name in ("best.pt", "last.pt"):
        state = torch.load(folder / "checkpoints" / name, weights_only=True)
        reference = torch.load(single / "checkpoints" / name, weights_only=True)
        assert {k: v.shape for k, v in state.items()} == {k: v.shape for k, v in reference.items()}


def test_torchrun_regression_keeps_the_errors_of_both_ranks(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    result = torchrun_two_epochs(example_project("regression"), runs, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    (folder,) = runs.iterdir()
    data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    errors = np.load(folder / "predictions" / "best_errors.npy", allow_pickle=False)
    project = Project.load(example_project("regression"))
    settings = project.settings
    _, validation = split_indices(
        project.load_dataset().n_examples, settings.validation_split, settings.seed
    )
    assert errors.size == len(validation)  # one output: every validation example, once
    header, rows = _history(folder)
    mae = rows[data["best_epoch"] - 1][header.index("mae")]
    assert float(np.abs(errors).mean()) == pytest.approx(mae, rel=1e-5)
