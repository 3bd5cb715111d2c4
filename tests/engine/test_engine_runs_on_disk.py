"""What a trained run leaves on disk (SPEC §8): ``Project.train`` returns the run, and
run.json, history.csv and the checkpoints tell the same story, also after a failure.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import torch
from engine_builders import Recorder, diverging_project, regression_project

from lossstudio.core.validator import analyze
from lossstudio.data import load_dataset_for, split_indices
from lossstudio.engine.callbacks import TrainingControl
from lossstudio.engine.losses import loss_function
from lossstudio.engine.model import GraphModule
from lossstudio.engine.session import train_snapshot, versions
from lossstudio.io.examples import example_project
from lossstudio.io.project_file import project_from_dict
from lossstudio.project import Project
from lossstudio.runs import format_runs_table, list_runs, load_run

ProjectFactory = Callable[..., Project]
REGRESSION_METRICS = ("mae", "mse", "rmse", "mape", "r2")
COLUMNS = ("epoch", "train_loss", "val_loss", *REGRESSION_METRICS, "seconds")


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def _run_json(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def test_project_train_returns_the_finished_run(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    project = new_regression_project(epochs=10)
    runs_dir = tmp_path / "my runs"
    run = project.train(runs_dir=runs_dir, epochs=3, learning_rate=0.1)
    assert project.settings.epochs == 10  # keywords override for this run only
    assert run.status == "completed"
    assert run.path.parent == runs_dir
    assert [p.name for p in runs_dir.iterdir()] == [run.path.name]
    assert list(run.history["epoch"]) == [1, 2, 3]
    val = run.history["val_loss"]
    assert np.isfinite(val).all() and np.isfinite(run.history["train_loss"]).all()
    assert val[-1] < val[0]
    assert run.best_epoch == 1 + int(np.argmin(val))
    assert run.best_val_loss == val.min()
    assert run.failure is None
    assert run.problems == []
    assert run.history.columns == COLUMNS


def test_run_json_records_the_run(new_regression_project: ProjectFactory, tmp_path: Path) -> None:
    project = new_regression_project(epochs=10)
    run = project.train(runs_dir=tmp_path / "runs", epochs=2, seed=5)
    data = _run_json(run.path)
    assert data["format"] == "lossstudio.run"
    assert data["schema_version"] == 1
    assert data["id"] == run.path.name
    assert data["name"] == Path(project.dataset.path).stem  # an unsaved project
    assert data["status"] == "completed"
    started, ended = (datetime.fromisoformat(data[k]) for k in ("started", "ended"))
    assert started <= ended
    assert data["loss"] == "mean_squared_error"
    assert tuple(data["metrics"]) == REGRESSION_METRICS
    assert data["epochs_done"] == 2
    assert data["best_epoch"] == run.best_epoch
    assert data["best_val_loss"] == run.history["val_loss"][run.best_epoch - 1]
    assert data["failure"] is None
    assert data["versions"] == versions()
    assert data["versions"]["torch"] == torch.__version__
    expected_settings = project.settings.replace(epochs=2, seed=5).to_dict()
    assert data["settings"] == expected_settings
    snapshot = data["project"]
    assert snapshot["settings"] == expected_settings
    assert Path(snapshot["dataset"]["path"]) == Path(project.dataset.path)
    assert {b["type"] for b in snapshot["blocks"]} == {"input", "dense", "target"}
    assert len(snapshot["links"]) == 2


def test_a_saved_project_names_its_runs_after_the_file(tmp_path: Path) -> None:
    project = regression_project(tmp_path)
    project.save(tmp_path / "braking.lsproj")
    run = Project.load(tmp_path / "braking.lsproj").train(epochs=1)
    assert run.path.parent == tmp_path / "runs"  # runs/ beside the project file
    assert run.name == "braking"
    assert run.path.name.endswith("_braking")


def test_history_csv_rows_are_the_epochs_of_the_run(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    project = new_regression_project(epochs=3)
    path, result = train_snapshot(project.snapshot(), project.settings, tmp_path / "runs")
    assert path is not None
    header, rows = _read_csv(path / "history.csv")
    assert tuple(header) == COLUMNS
    assert len(rows) == len(result.history) == 3
    for row, record in zip(rows, result.history, strict=True):
        values = dict(zip(header, row, strict=True))
        assert int(values["epoch"]) == record.epoch
        assert float(values["train_loss"]) == record.train_loss  # written exactly
        assert float(values["val_loss"]) == record.val_loss
        assert float(values["seconds"]) == record.seconds
        for name, value in record.metrics.items():
            assert float(values[name]) == value
    loaded = load_run(path)
    assert loaded.history.records() == tuple(result.history)
    assert loaded.best_epoch == result.best_epoch
    assert loaded.best_val_loss == result.best_val_loss


def _module_and_validation(run_folder: Path) -> tuple[GraphModule, dict, torch.Tensor]:
    """A fresh module from the run's own snapshot, and its validation split."""
    run = load_run(run_folder)
    model = project_from_dict(run.project, "<run>")
    dataset = load_dataset_for(model.dataset)
    analysis = analyze(model.graph, dataset.facts())
    target = model.target()
    module = GraphModule(model.graph, analysis.shapes, target.id)
    settings = run.settings
    _, val_index = split_indices(dataset.n_examples, settings["validation_split"], settings["seed"])
    inputs = {
        name: torch.from_numpy(dataset.array(name)[val_index].astype(np.float32))
        for name in set(module.input_features.values())
    }
    target_values = torch.from_numpy(dataset.array(target.params["feature"])[val_index])
    return module, inputs, target_values


@pytest.mark.parametrize("example", ["digits", "regression"])
def test_checkpoints_reload_and_reproduce_the_validation_loss(example: str, tmp_path: Path) -> None:
    run = Project.load(example_project(example)).train(
        runs_dir=tmp_path / "runs", epochs=3, device="cpu"
    )
    assert run.status == "completed"
    best, last = run.checkpoint_path("best"), run.checkpoint_path("last")
    assert best.is_file() and last.is_file()
    loss = loss_function(run.loss)
    val = run.history["val_loss"]
    for path, epoch in ((best, run.best_epoch), (last, 3)):
        module, inputs, target = _module_and_validation(run.path)
        state = torch.load(path, weights_only=True)
        assert set(state) == set(module.state_dict())
        module.load_state_dict(state)
        module.eval()
        with torch.no_grad():
            value = float(loss(module(inputs), target))
        assert value == pytest.approx(val[epoch - 1], rel=1e-5), path.name


def _best_predictions_recomputed(run_path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Post-activation validation predictions of ``best.pt`` and the targets, computed
    here from the run's snapshot, independently of the trainer."""
    module, inputs, target = _module_and_validation(run_path)
    module.load_state_dict(torch.load(run_path / "checkpoints" / "best.pt", weights_only=True))
    module.eval()
    with torch.no_grad():
        return module(inputs), target


@pytest.mark.parametrize("example", ["digits", "multilabel", "regression"])
def test_the_best_epochs_predictions_are_saved_with_the_run(example: str, tmp_path: Path) -> None:
    """Every run (headless too) keeps the best epoch's reduced validation predictions:
    what the Evaluation view draws when the run is opened offline."""
    run = Project.load(example_project(example)).train(
        runs_dir=tmp_path / "runs", epochs=3, device="cpu"
    )
    prediction, target = _best_predictions_recomputed(run.path)
    folder = run.path / "predictions"
    if example == "digits":
        assert sorted(p.name for p in folder.iterdir()) == ["best_confusion.npy"]
        saved = np.load(folder / "best_confusion.npy", allow_pickle=False)
        expected = np.zeros((10, 10), np.int64)
        np.add.at(expected, (target.numpy().reshape(-1), prediction.argmax(1).numpy()), 1)
        np.testing.assert_array_equal(saved, expected)
    elif example == "multilabel":
        saved = np.load(folder / "best_confusion.npy", allow_pickle=False)
        predicted, actual = prediction.numpy() > 0.5, target.numpy() > 0.5
        tn = (~actual & ~predicted).sum(0)
        fp = (~actual & predicted).sum(0)
        fn = (actual & ~predicted).sum(0)
        tp = (actual & predicted).sum(0)
        assert saved.shape == (prediction.shape[1], 2, 2)
        np.testing.assert_array_equal(saved[:, 0, 0], tn)
        np.testing.assert_array_equal(saved[:, 0, 1], fp)
        np.testing.assert_array_equal(saved[:, 1, 0], fn)
        np.testing.assert_array_equal(saved[:, 1, 1], tp)
    else:
        saved = np.load(folder / "best_errors.npy", allow_pickle=False)
        expected = (prediction - target.reshape(prediction.shape).float()).reshape(-1).numpy()
        assert saved.dtype == np.float32
        np.testing.assert_allclose(saved, expected, rtol=1e-5, atol=1e-4)
        best = run.best_epoch - 1
        assert np.abs(saved).mean() == pytest.approx(run.history["mae"][best], rel=1e-5)


def test_a_failed_run_keeps_a_readable_folder(tmp_path: Path) -> None:
    run = diverging_project(tmp_path).train(runs_dir=tmp_path / "runs")
    data = _run_json(run.path)
    assert data["status"] == "failed"
    assert data["failure"] == run.failure
    assert "epoch 4, batch 5" in data["failure"] and "may be too high" in data["failure"]
    assert data["ended"] is not None
    assert data["epochs_done"] == 3
    header, rows = _read_csv(run.path / "history.csv")
    assert [row[0] for row in rows] == ["1", "2", "3"]
    losses = [float(row[i]) for row in rows for i in (1, 2)]  # (MAPE is NaN: all y are 0)
    assert all(math.isfinite(value) for value in losses)
    # the checkpoints hold the weights of the finished epochs: w = (−5) ** (8 · epoch)
    best = torch.load(run.checkpoint_path("best"), weights_only=True)
    last = torch.load(run.checkpoint_path("last"), weights_only=True)
    (best_weight,), (last_weight,) = best.values(), last.values()
    assert float(best_weight) == 5.0**8
    assert float(last_weight) == pytest.approx(5.0**24, rel=1e-5)
    # the saved errors are those of the best epoch (1), not of the last one (3)
    errors = np.load(run.path / "predictions" / "best_errors.npy", allow_pickle=False)
    assert run.best_epoch == 1
    assert set(errors.tolist()) == {5.0**8}  # prediction w · 1 − target 0, every example
    (summary,) = list_runs(tmp_path / "runs")
    assert summary.status == "failed"
    assert summary.problem is None
    assert "failed" in format_runs_table([summary])


def test_a_stopped_run_is_recorded_as_stopped(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    project = new_regression_project(epochs=5)
    control = TrainingControl()
    path, result = train_snapshot(
        project.snapshot(),
        project.settings,
        tmp_path / "runs",
        name="stopped one",
        callbacks=[Recorder(control, stop_at=(2, 1))],
        control=control,
    )
    assert result.status == "stopped"
    run = load_run(path)
    assert run.status == "stopped"
    assert run.name == "stopped one"
    assert run.ended is not None
    assert list(run.history["epoch"]) == [1]
    assert run.checkpoint_path("last").is_file()
