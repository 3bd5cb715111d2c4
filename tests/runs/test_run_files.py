"""Tests of run folders on disk: writing, reading back, damage tolerance, listing, table."""

from __future__ import annotations

import csv
import json
import math
import pickle
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from lossstudio.runs import (
    CORRUPT,
    EpochRecord,
    RunFileError,
    RunStatus,
    RunSummary,
    RunWriter,
    delete_run,
    format_runs_table,
    list_runs,
    load_run,
    rename_run,
)

METRICS = ("accuracy", "macro_f1")
START = datetime(2026, 12, 3, 17, 15, 0, tzinfo=UTC)
PROJECT = {"format": "lossstudio.project", "schema_version": 1, "blocks": [{"id": "b1"}]}
SETTINGS = {"epochs": 4, "batch_size": 32, "optimizer": "adam", "learning_rate": 0.001}


def make_writer(runs_dir: Path, name: str = "digits", started: datetime = START) -> RunWriter:
    return RunWriter(
        runs_dir,
        name=name,
        loss="categorical_crossentropy",
        metric_names=METRICS,
        settings=SETTINGS,
        project=PROJECT,
        versions={"torch": "2.13.0", "numpy": "2.1.0"},
        started=started,
    )


def epoch(n: int, val: float) -> EpochRecord:
    # Awkward floats on purpose: they only survive a round trip written with repr.
    return EpochRecord(
        epoch=n,
        train_loss=1.0 / (n + 2),
        val_loss=val,
        metrics={"accuracy": 0.1 * n + 1e-17 * n, "macro_f1": math.pi / (n + 1)},
        seconds=0.1 + 0.2 * n,
    )


RECORDS = [epoch(1, 0.9), epoch(2, 0.7000000000000001), epoch(3, 0.75), epoch(4, 2 / 3)]


def write_run(runs_dir: Path, name: str = "digits", started: datetime = START) -> Path:
    writer = make_writer(runs_dir, name, started)
    for record in RECORDS:
        writer.append(record)
    writer.finish(RunStatus.completed)
    return writer.path


# -- values ----------------------------------------------------------------------------


def test_epoch_record_is_an_immutable_value() -> None:
    a = EpochRecord(1, 0.5, 0.25, {"accuracy": 0.9}, 1.5)
    b = EpochRecord(1, 0.5, 0.25, MappingProxyType({"accuracy": 0.9}), 1.5)
    assert a == b and hash(a) == hash(b)
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(TypeError):
        a.metrics["accuracy"] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        a.epoch = 2  # type: ignore[misc]
    with pytest.raises(ValueError):
        EpochRecord(1, 0.5, 0.25, {"val_loss": 1.0})


def test_run_status_values() -> None:
    assert [s.value for s in RunStatus] == ["running", "paused", "completed", "stopped", "failed"]
    assert RunStatus("failed").is_final and not RunStatus.paused.is_final


# -- writing and reading back ------------------------------------------------------------


def test_write_then_read_back_exactly(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    assert path.parent == tmp_path
    assert path.name == "2026-12-03_171500_digits"
    assert sorted(p.name for p in path.iterdir()) == ["history.csv", "run.json"]

    run = load_run(path)
    assert run.id == path.name and run.name == "digits" and run.path == path
    assert run.status == RunStatus.completed
    assert run.loss == "categorical_crossentropy"
    assert run.settings == SETTINGS and run.project == PROJECT
    assert run.versions == {"torch": "2.13.0", "numpy": "2.1.0"}
    assert run.started == START
    assert run.ended is not None and run.ended.utcoffset() == timedelta(0)
    assert run.failure is None
    assert run.problems == []
    assert run.best_epoch == 4 and run.best_val_loss == 2 / 3
    assert run.epochs_done == 4
    assert run.metric_names == METRICS

    history = run.history
    assert len(history) == 4
    assert history.columns == ("epoch", "train_loss", "val_loss", *METRICS, "seconds")
    assert history["epoch"].tolist() == [1, 2, 3, 4]
    assert history["epoch"].dtype == np.int64
    assert history["val_loss"].tolist() == [r.val_loss for r in RECORDS]
    assert history["accuracy"].tolist() == [r.metrics["accuracy"] for r in RECORDS]
    assert history.records() == tuple(RECORDS)
    assert "val_loss" in history and "nope" not in history
    with pytest.raises(KeyError):
        history["nope"]
    with pytest.raises(ValueError):
        history["val_loss"][0] = 0.0


def test_run_json_fields(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    data = json.loads((path / "run.json").read_text(encoding="utf-8"))
    assert data["format"] == "lossstudio.run"
    assert data["id"] == path.name
    assert data["status"] == "completed"
    assert data["metrics"] == list(METRICS)
    assert data["best_epoch"] == 4 and data["best_val_loss"] == 2 / 3
    assert data["epochs_done"] == 4 and data["failure"] is None
    assert datetime.fromisoformat(data["started"]) == START
    assert datetime.fromisoformat(data["ended"]).utcoffset() == timedelta(0)
    assert not list(path.glob(".*.tmp")), "no temporary files are left behind"


def test_history_is_plain_csv(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    with open(path / "history.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "train_loss", "val_loss", "accuracy", "macro_f1", "seconds"]
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3, 4]
    assert [float(row["val_loss"]) for row in rows] == [r.val_loss for r in RECORDS]
    assert [float(row["seconds"]) for row in rows] == [r.seconds for r in RECORDS]


def test_best_epoch_ignores_nan_and_keeps_first_tie(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    assert writer.append(EpochRecord(1, 1.0, math.nan)) is False
    assert writer.best_epoch is None
    assert writer.append(EpochRecord(2, 1.0, 0.5)) is True
    assert writer.append(EpochRecord(3, 1.0, 0.5)) is False
    assert writer.append(EpochRecord(4, 1.0, math.inf)) is False
    writer.finish(RunStatus.stopped)
    run = load_run(writer.path)
    assert run.status == "stopped"
    assert (run.best_epoch, run.best_val_loss) == (2, 0.5)
    val = run.history["val_loss"]
    assert math.isnan(val[0]) and math.isinf(val[3])
    # Metrics not given are empty cells, read back as NaN.
    assert np.isnan(run.history["accuracy"]).all()


def test_history_readable_after_each_append_without_finish(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    assert load_run(writer.path).status == RunStatus.running
    assert len(load_run(writer.path).history) == 0
    for count, record in enumerate(RECORDS, start=1):
        writer.append(record)
        run = load_run(writer.path)  # another reader, while the writer keeps the file open
        assert run.status == "running"
        assert run.history.records() == tuple(RECORDS[:count])
        assert run.epochs_done == count
        assert run.problems == []
    # "Crash": finish is never called; the run stays readable and stays "running".
    del writer
    run = load_run(next(tmp_path.iterdir()))
    assert run.status == "running" and run.ended is None and len(run.history) == 4


def test_old_running_run_is_still_running(tmp_path: Path) -> None:
    writer = make_writer(tmp_path, started=datetime(2001, 1, 1, tzinfo=UTC))
    writer.append(RECORDS[0])
    writer.close()
    assert load_run(writer.path).status == "running"
    assert list_runs(tmp_path)[0].status == "running"
    assert list_runs(tmp_path)[0].problem is None


def test_failure_and_pause(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    writer.append(RECORDS[0])
    writer.set_status(RunStatus.paused)
    assert load_run(writer.path).status == "paused"
    writer.set_status("running")
    message = "loss became NaN at epoch 2, batch 12; learning rate 3.0 may be too high"
    writer.finish(RunStatus.failed, message)
    run = load_run(writer.path)
    assert run.status == RunStatus.failed and run.failure == message
    assert len(run.history) == 1
    with pytest.raises(RuntimeError):
        writer.append(RECORDS[1])
    with pytest.raises(RuntimeError):
        writer.finish(RunStatus.completed)


def test_context_manager_marks_exceptions_as_failed(tmp_path: Path) -> None:
    with pytest.raises(ZeroDivisionError), make_writer(tmp_path) as writer:
        writer.append(RECORDS[0])
        _ = 1 / 0
    run = load_run(writer.path)
    assert run.status == "failed" and run.failure == "ZeroDivisionError: division by zero"


def test_writer_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        RunWriter(tmp_path, name="x", loss="mse", metric_names=["mae", "mae"])
    with pytest.raises(ValueError):
        RunWriter(tmp_path, name="x", loss="mse", metric_names=["seconds"])
    writer = make_writer(tmp_path)
    with pytest.raises(ValueError):
        writer.append(EpochRecord(1, 1.0, 1.0, {"unknown": 1.0}))
    writer.append(EpochRecord(2, 1.0, 1.0))
    with pytest.raises(ValueError):
        writer.append(EpochRecord(2, 1.0, 1.0))
    with pytest.raises(ValueError):
        writer.finish(RunStatus.running)
    writer.finish()


def test_unique_folders_and_checkpoint_paths(tmp_path: Path) -> None:
    first = make_writer(tmp_path, name="my run/ä*")
    second = make_writer(tmp_path, name="my run/ä*")
    assert first.id == "2026-12-03_171500_my_run"
    assert second.id == "2026-12-03_171500_my_run-2"
    assert first.name == "my run/ä*"
    best = first.checkpoint_path("best")
    assert best == first.path / "checkpoints" / "best.pt" and best.parent.is_dir()
    assert first.checkpoint_path("last").name == "last.pt"
    best.write_bytes(b"weights")
    assert load_run(first.path).checkpoint_path("best").read_bytes() == b"weights"
    with pytest.raises(ValueError):
        first.checkpoint_path("middle")  # type: ignore[arg-type]
    first.finish()
    second.finish()


# -- damaged folders -------------------------------------------------------------------


def test_truncated_last_line_is_ignored_and_reported(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    for record in RECORDS[:3]:
        writer.append(record)
    writer.close()
    history_file = writer.path / "history.csv"
    with open(history_file, "a", encoding="utf-8", newline="") as f:
        f.write("4,0.2,0.1")  # a crash in the middle of writing epoch 4
    run = load_run(writer.path)
    assert run.status == "running"
    assert run.history.records() == tuple(RECORDS[:3])
    assert run.problems == ["history.csv has a truncated last line (row 4); it was ignored"]


def test_malformed_middle_row_is_skipped(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    lines = (path / "history.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "2,oops\n"
    (path / "history.csv").write_text("".join(lines), encoding="utf-8")
    run = load_run(path)
    assert run.history["epoch"].tolist() == [1, 3, 4]
    assert run.problems == ["history.csv row 2 has 2 fields, expected 6; it was ignored"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "run.json is missing"),
        ('{"format": "lossstudio.run", "name": ', "run.json is corrupt"),
        ("[1, 2]", "run.json is not a LossStudio run file"),
    ],
)
def test_missing_or_corrupt_run_json(tmp_path: Path, content: str | None, problem: str) -> None:
    path = write_run(tmp_path)
    if content is None:
        (path / "run.json").unlink()
    else:
        (path / "run.json").write_text(content, encoding="utf-8")
    run = load_run(path)
    assert run.status == CORRUPT and run.name == path.name
    assert run.problems[0].startswith(problem)
    assert len(run.problems) == 1
    # The history is still there, and the best epoch comes from it.
    assert len(run.history) == 4
    assert (run.best_epoch, run.best_val_loss) == (4, 2 / 3)
    assert run.metric_names == METRICS
    (summary,) = list_runs(tmp_path)
    assert summary.status == "corrupt" and summary.problem is not None
    assert summary.problem.startswith(problem)
    with pytest.raises(RunFileError):
        rename_run(path, "new name")


def test_unknown_status_and_bad_field(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    data = json.loads((path / "run.json").read_text(encoding="utf-8"))
    data["status"] = "exploded"
    data["best_epoch"] = "four"
    (path / "run.json").write_text(json.dumps(data), encoding="utf-8")
    run = load_run(path)
    assert run.status == CORRUPT
    assert run.problems == [
        "run.json has an unknown status 'exploded'",
        "run.json field 'best_epoch' has a bad value 'four'; it was ignored",
    ]


def test_missing_history(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    (path / "history.csv").unlink()
    run = load_run(path)
    assert run.status == "completed" and len(run.history) == 0
    assert run.problems == ["history.csv is missing"]
    with pytest.raises(FileNotFoundError):
        load_run(tmp_path / "nowhere")


# -- listing, rename, delete, table ------------------------------------------------------


def test_listing_order_and_contents(tmp_path: Path) -> None:
    later = write_run(tmp_path, "later", START + timedelta(hours=1))
    earlier = write_run(tmp_path, "earlier", START)
    running = make_writer(tmp_path, "live", START + timedelta(hours=2))
    running.append(RECORDS[0])
    (tmp_path / "not_a_run").mkdir()
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    broken = tmp_path / "2026-12-03_180000_broken"
    broken.mkdir()
    (broken / "run.json").write_text("{", encoding="utf-8")

    summaries = list_runs(tmp_path)
    # The corrupt run has no start time: it is placed by the time in its folder name.
    assert [s.name for s in summaries] == ["earlier", broken.name, "later", "live"]
    first = summaries[0]
    assert first == RunSummary(
        id=earlier.name,
        name="earlier",
        path=earlier,
        status=RunStatus.completed,
        loss="categorical_crossentropy",
        best_epoch=4,
        best_val_loss=2 / 3,
        epochs_done=4,
        started=START,
        ended=first.ended,
        problem=None,
    )
    assert summaries[1].status == "corrupt" and summaries[1].started is None
    assert summaries[1].problem is not None and summaries[1].problem.startswith("run.json is")
    assert summaries[2].path == later
    assert summaries[3].status == "running" and summaries[3].epochs_done == 1
    assert summaries[3].best_epoch == 1
    assert list_runs(tmp_path / "missing") == []
    running.finish()


def test_listing_many_runs_is_fast(tmp_path: Path) -> None:
    # One real run, copied 200 times with its own start time and loss (fsyncing 200
    # writers would time the disk, not the listing). The project is a realistic size.
    project = {"blocks": [{"id": f"b{i}", "params": {"units": 64}} for i in range(40)]}
    template = RunWriter(tmp_path / "template", name="r", loss="mse", project=project)
    template.append(EpochRecord(1, 1.0, 1.0))
    template.finish()
    data = json.loads((template.path / "run.json").read_text(encoding="utf-8"))
    history = (template.path / "history.csv").read_text(encoding="utf-8")
    runs_dir = tmp_path / "runs"
    for i in reversed(range(200)):
        started = START + timedelta(seconds=i)
        folder = runs_dir / f"{started:%Y-%m-%d_%H%M%S}_r"
        folder.mkdir(parents=True)
        (folder / "history.csv").write_text(history, encoding="utf-8")
        run_json = {**data, "id": folder.name, "started": started.isoformat()}
        (folder / "run.json").write_text(
            json.dumps({**run_json, "best_val_loss": 1.0 / (i + 1)}, indent=2), encoding="utf-8"
        )
    summaries = list_runs(runs_dir)
    assert len(summaries) == 200
    assert [s.best_val_loss for s in summaries] == [1.0 / (i + 1) for i in range(200)]


def test_rename_keeps_id_and_survives_writer_updates(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    writer.append(RECORDS[0])
    rename_run(writer.path, "  baseline  ")
    writer.append(RECORDS[1])  # rewrites run.json: the new name must survive
    writer.finish()
    run = load_run(writer.path)
    assert run.name == "baseline" and run.id == "2026-12-03_171500_digits"
    assert run.epochs_done == 2 and run.project == PROJECT
    with pytest.raises(ValueError):
        rename_run(writer.path, "   ")


def test_delete(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    (path / "checkpoints").mkdir()
    (path / "checkpoints" / "last.pt").write_bytes(b"x")
    delete_run(path)
    assert not path.exists() and list_runs(tmp_path) == []
    other = tmp_path / "precious"
    other.mkdir()
    (other / "data.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(RunFileError):
        delete_run(other)
    assert (other / "data.txt").exists()
    with pytest.raises(FileNotFoundError):
        delete_run(tmp_path / "gone")


def test_table_text(tmp_path: Path) -> None:
    write_run(tmp_path, "baseline", START)
    writer = make_writer(tmp_path, "wide", START + timedelta(minutes=5))
    writer.finish(RunStatus.failed, "loss became NaN")
    broken = tmp_path / "2026-12-03_180000_broken"
    broken.mkdir()
    (broken / "history.csv").write_text("epoch,train_loss,val_loss,seconds\n", encoding="utf-8")

    text = format_runs_table(list_runs(tmp_path))
    lines = text.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "NAME",
        "ID",
        "STATUS",
        "LOSS",
        "BEST VAL LOSS",
        "BEST EPOCH",
        "EPOCHS",
        "STARTED (UTC)",
    ]
    assert set(lines[1]) == {"-", " "}
    assert re.split(r"\s{2,}", lines[2]) == [
        "baseline",
        "2026-12-03_171500_baseline",
        "completed",
        "categorical_crossentropy",
        "0.666667",
        "4",
        "4",
        "2026-12-03 17:15",
    ]
    assert re.split(r"\s{2,}", lines[3]) == [
        "wide",
        "2026-12-03_172000_wide",
        "failed",
        "categorical_crossentropy",
        "-",
        "-",
        "0",
        "2026-12-03 17:20",
    ]
    assert lines[4].split()[:3] == [broken.name, broken.name, "corrupt"]
    assert lines[-2:] == ["Problems:", f"  {broken.name}: run.json is missing"]
    for column in ("STATUS", "BEST EPOCH", "STARTED (UTC)"):
        at = lines[0].index(column)
        assert lines[1][at - 2 : at] == "  " and lines[1][at] == "-"
    assert lines[2].index("completed") == lines[0].index("STATUS")
    assert lines[2].index("2026-12-03 17:15") == lines[0].index("STARTED (UTC)")
    assert format_runs_table([]) == "No runs."


def test_history_is_read_only_when_asked_for(tmp_path: Path) -> None:
    path = write_run(tmp_path)
    run = load_run(path)
    assert run.status == "completed" and run.best_epoch == 4
    (path / "history.csv").unlink()  # not read yet: loading must not have touched it
    assert len(run.history) == 0 and run.problems == ["history.csv is missing"]


def test_runs_layer_needs_no_torch_or_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lossstudio.runs; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'pyqtgraph')]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
