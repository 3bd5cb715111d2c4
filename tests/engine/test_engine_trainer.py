"""The training loop (SPEC §7): learning, seeds, stop/pause, failures, early stopping,
optimizers, schedules, devices, refusals and the exact average loss of an epoch.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from engine_builders import Recorder, diverging_project, make_trainer, regression_project

from lossstudio.core.settings import OPTIMIZERS
from lossstudio.data import split_indices
from lossstudio.engine.callbacks import Callback, TrainingControl
from lossstudio.engine.session import TrainingRefused, prepare_run, resolve_device
from lossstudio.engine.trainer import Trainer, TrainResult
from lossstudio.project import Project
from lossstudio.runs import load_run

ProjectFactory = Callable[..., Project]
WAIT = 30.0  # seconds; only reached when something hangs


def _losses(result: TrainResult) -> list[tuple[float, float, dict[str, float]]]:
    return [(r.train_loss, r.val_loss, dict(r.metrics)) for r in result.history]


def test_training_lowers_the_loss(new_regression_project: ProjectFactory) -> None:
    project = new_regression_project(epochs=8, learning_rate=0.1)
    recorder = Recorder()
    trainer, _, _ = make_trainer(project, callbacks=[recorder])
    result = trainer.fit()
    assert result.status == "completed"
    assert result.failure is None
    assert [r.epoch for r in result.history] == list(range(1, 9))
    assert recorder.records == result.history
    assert recorder.begun == 1 and recorder.ended == [result]
    first, last = result.history[0], result.history[-1]
    assert last.train_loss < 0.2 * first.train_loss
    assert last.val_loss < 0.2 * first.val_loss
    assert result.best_epoch == 1 + int(np.argmin([r.val_loss for r in result.history]))
    assert result.best_val_loss == min(r.val_loss for r in result.history)
    assert set(last.metrics) == {"mae", "mse", "rmse", "mape", "r2"}
    assert last.metrics["r2"] > first.metrics["r2"]
    assert all(r.seconds > 0 for r in result.history)


DROPOUT_MODEL = [
    ("dense", {"units": 16, "activation": "relu"}),
    ("dropout", {"rate": 0.3}),
    ("dense", {"units": 1, "activation": "linear"}),
]


def test_same_seed_same_history_other_seed_other_history(
    new_regression_project: ProjectFactory,
) -> None:
    project = new_regression_project(DROPOUT_MODEL, epochs=3)
    runs = [make_trainer(project, seed=seed)[0].fit() for seed in (7, 7, 8)]
    assert all(run.status == "completed" for run in runs)
    assert _losses(runs[0]) == _losses(runs[1])
    assert _losses(runs[0]) != _losses(runs[2])
    pairs = zip(runs[0].history, runs[2].history, strict=True)
    assert all(a.train_loss != b.train_loss for a, b in pairs)


BRANCHES = "abcdef"

INITIAL_WEIGHTS = """
import json, sys
from lossstudio.engine.session import prepare_run
from lossstudio.project import Project
project = Project.load(sys.argv[1])
module = prepare_run(project.snapshot(), project.settings).module
print(json.dumps({k: v.double().sum().item() for k, v in module.state_dict().items()}))
"""


def branched_project(folder: Path) -> Project:
    """``x`` into six Dense branches of different widths, concatenated, then one Dense."""
    project = regression_project(folder, [])
    (x,) = [n.id for n in project.graph.nodes.values() if n.type == "input"]
    (t,) = [n.id for n in project.graph.nodes.values() if n.type == "target"]
    project.disconnect(next(iter(project.graph.links)))
    joined = project.add("concatenate", inputs=len(BRANCHES))
    for port, name in enumerate(BRANCHES):
        branch = project.add("dense", node_id=f"branch_{name}", units=2 + port)
        project.connect(x, branch)
        project.connect(branch, joined, port)
    out = project.add("dense", units=1, activation="linear")
    project.connect(joined, out)
    project.connect(out, t)
    return project


def test_branches_are_built_in_port_order(tmp_path: Path) -> None:
    module = make_trainer(branched_project(tmp_path))[1].module
    names = list(module.layers)
    assert names[: len(BRANCHES)] == [f"branch_{name}" for name in BRANCHES]
    assert names[len(BRANCHES)].startswith("concatenate")


def test_same_seed_same_initial_weights_in_every_process(tmp_path: Path) -> None:
    # Python randomizes set order per process; the weights must not depend on it
    # (separate runs of one project, and the ranks of a torchrun job, must agree)
    project = branched_project(tmp_path)
    path = project.save(tmp_path / "branches.lsproj")
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    done = subprocess.run(
        [sys.executable, "-c", INITIAL_WEIGHTS, str(path)],
        env={**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    here = make_trainer(Project.load(path))[1].module.state_dict()
    assert json.loads(done.stdout) == {k: v.double().sum().item() for k, v in here.items()}


def test_stop_from_a_callback_ends_the_run_after_that_batch(
    new_regression_project: ProjectFactory,
) -> None:
    control = TrainingControl()
    recorder = Recorder(control, stop_at=(2, 3))
    project = new_regression_project(epochs=5, batch_size=8)
    trainer, prepared, _ = make_trainer(project, callbacks=[recorder], control=control)
    result = trainer.fit()
    assert result.status == "stopped"
    assert result.failure is None
    n_batches = -(-len(prepared.train) // 8)
    assert recorder.batches[-1] == (2, 3, n_batches)
    assert len(recorder.batches) == n_batches + 3  # not one batch more
    assert [r.epoch for r in result.history] == [1]  # the unfinished epoch is not recorded
    assert recorder.epochs_begun == [1, 2]
    assert recorder.ended == [result]


class Gate(Callback):
    """Holds the trainer at epoch 1, batch 2 until released; records status changes."""

    def __init__(self) -> None:
        self.reached, self.release = threading.Event(), threading.Event()
        self.paused = threading.Event()
        self.batches = 0
        self.statuses: list[str] = []
        self.status_on_disk: list[str] = []

    def on_batch_end(self, trainer: Trainer, epoch: int, batch: int, n_batches: int) -> None:
        self.batches += 1
        if (epoch, batch) == (1, 2):
            self.reached.set()
            assert self.release.wait(WAIT)

    def on_status(self, trainer: Trainer, status: str) -> None:
        self.statuses.append(status)
        if status == "paused":
            self.paused.set()


def _start(target: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(target()), daemon=True)
    thread.start()
    return thread, results


def test_pause_and_resume_from_another_thread(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    from lossstudio.engine.session import train_snapshot

    project = new_regression_project(epochs=2, batch_size=8)
    control, gate = TrainingControl(), Gate()
    runs_dir = tmp_path / "runs"
    thread, results = _start(
        lambda: train_snapshot(
            project.snapshot(), project.settings, runs_dir, callbacks=[gate], control=control
        )
    )
    assert gate.reached.wait(WAIT)
    control.pause()
    gate.release.set()
    assert gate.paused.wait(WAIT)
    # the trainer is held before batch 3, and the run folder says so
    assert gate.batches == 2
    assert thread.is_alive()
    (folder,) = runs_dir.iterdir()
    assert load_run(folder).status == "paused"
    control.resume()
    thread.join(WAIT)
    assert not thread.is_alive()
    path, result = results[0]  # type: ignore[misc]
    assert result.status == "completed"
    assert gate.statuses == ["paused", "running"]
    assert gate.batches == 2 * (-(-48 // 8))
    assert load_run(path).status == "completed"


def test_stop_while_paused_ends_the_run(new_regression_project: ProjectFactory) -> None:
    project = new_regression_project(epochs=3, batch_size=8)
    control, gate = TrainingControl(), Gate()
    trainer, _, _ = make_trainer(project, callbacks=[gate], control=control)
    thread, results = _start(trainer.fit)
    assert gate.reached.wait(WAIT)
    control.pause()
    gate.release.set()
    assert gate.paused.wait(WAIT)
    control.stop()
    thread.join(WAIT)
    assert not thread.is_alive()
    result = results[0]
    assert isinstance(result, TrainResult)
    assert result.status == "stopped"
    assert gate.batches == 2
    assert result.history == []


FAILURE = re.compile(
    r"^loss became (NaN|infinite) at epoch (\d+), batch (\d+); "
    r"learning rate (\S+) may be too high$"
)


def test_huge_learning_rate_fails_with_a_message(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    project = new_regression_project(epochs=3, optimizer="sgd", learning_rate=1e6)
    run = project.train(runs_dir=tmp_path / "runs")
    assert run.status == "failed"
    assert run.failure is not None
    match = FAILURE.match(run.failure)
    assert match, run.failure
    assert match.group(2) == "1"
    assert 1 <= int(match.group(3)) <= 6
    assert float(match.group(4)) == 1e6
    assert len(run.history) == 0
    assert run.best_epoch is None


def test_divergence_after_some_epochs_keeps_the_finished_epochs(tmp_path: Path) -> None:
    run = diverging_project(tmp_path).train(runs_dir=tmp_path / "runs")
    assert run.status == "failed"
    # 8 training batches per epoch: batch 29 is epoch 4, batch 5
    assert run.failure == (
        "loss became infinite at epoch 4, batch 5; learning rate 3 may be too high"
    )
    assert list(run.history["epoch"]) == [1, 2, 3]
    assert np.isfinite(run.history["train_loss"]).all()
    # the validation loss after epoch e is w² = 25 ** (8 e)
    np.testing.assert_allclose(run.history["val_loss"], [25.0**8, 25.0**16, 25.0**24], rtol=1e-5)
    assert run.best_epoch == 1


def test_early_stopping_stops_after_patience_epochs(
    new_regression_project: ProjectFactory,
) -> None:
    # a learning rate too small to change float32 weights: the validation loss never improves
    frozen_in_effect = [("dense", {"units": 1, "activation": "linear", "use_bias": False})]
    project = new_regression_project(
        frozen_in_effect, epochs=20, optimizer="sgd", learning_rate=1e-12, patience=2
    )
    result = make_trainer(project, early_stopping=True)[0].fit()
    assert result.status == "completed"
    assert [r.epoch for r in result.history] == [1, 2, 3]
    assert len({r.val_loss for r in result.history}) == 1
    assert result.best_epoch == 1
    without = make_trainer(project, early_stopping=False, epochs=5)[0].fit()
    assert len(without.history) == 5


def test_early_stopping_waits_while_the_loss_improves(
    new_regression_project: ProjectFactory,
) -> None:
    # plain SGD with a small step on a linear regression improves every epoch
    project = new_regression_project(
        epochs=6, optimizer="sgd", learning_rate=0.02, early_stopping=True, patience=1
    )
    result = make_trainer(project)[0].fit()
    assert result.status == "completed"
    val = [r.val_loss for r in result.history]
    assert len(val) == 6
    assert all(b < a for a, b in zip(val, val[1:], strict=False))
    assert result.best_epoch == 6


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_trains_an_epoch(
    optimizer: str, new_regression_project: ProjectFactory
) -> None:
    project = new_regression_project(epochs=1, optimizer=optimizer, learning_rate=0.01)
    trainer, prepared, _ = make_trainer(project)
    before = [p.detach().clone() for p in prepared.module.parameters()]
    result = trainer.fit()
    assert result.status == "completed", result.failure
    assert np.isfinite([result.history[0].train_loss, result.history[0].val_loss]).all()
    after = list(prepared.module.parameters())
    assert any(not torch.equal(b, a) for b, a in zip(before, after, strict=True))


def test_exponential_decay_lowers_the_learning_rate(
    new_regression_project: ProjectFactory,
) -> None:
    project = new_regression_project(epochs=2, batch_size=8, learning_rate=0.1)
    recorder = Recorder()
    trainer, _, _ = make_trainer(
        project,
        callbacks=[recorder],
        lr_schedule="exponential_decay",
        decay_rate=0.5,
        decay_steps=4,
    )
    assert trainer.fit().status == "completed"
    steps = np.arange(1, len(recorder.learning_rates) + 1)
    np.testing.assert_allclose(recorder.learning_rates, 0.1 * 0.5 ** (steps / 4), rtol=1e-9)
    assert recorder.learning_rates[-1] == pytest.approx(0.1 * 0.5**3)  # 12 batches

    constant = Recorder()
    make_trainer(project, callbacks=[constant])[0].fit()
    assert set(constant.learning_rates) == {0.1}


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without a GPU")
def test_cuda_without_a_gpu_is_refused_before_any_run_folder(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    project = new_regression_project()
    with pytest.raises(TrainingRefused, match=r"device 'cuda'.*no CUDA GPU.*'auto' or 'cpu'"):
        prepare_run(project.snapshot(), project.settings.replace(device="cuda"))
    with pytest.raises(TrainingRefused, match="no CUDA GPU"):
        project.train(runs_dir=tmp_path / "runs", device="cuda")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")


def test_a_model_with_errors_is_refused_with_the_problem(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    project = new_regression_project([("dense", {"units": 3, "activation": "linear"})])
    (problem,) = [p for p in project.validate() if p.severity == "error"]
    assert problem.code == "shape-mismatch"
    with pytest.raises(TrainingRefused) as refused:
        project.train(runs_dir=tmp_path / "runs")
    message = str(refused.value)
    assert "1 error(s)" in message
    assert f"[{problem.node_id}] {problem.message}" in message
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())

    project.set(problem.node_id, units=1, activation="relu")
    project.set(project.target().id, loss="poisson")  # relu can output 0; y has negatives
    errors = [p for p in project.validate() if p.severity == "error"]
    assert {p.code for p in errors} == {"loss-activation-incompatible", "target-out-of-domain"}
    with pytest.raises(TrainingRefused, match=r"2 error\(s\)") as refused:
        project.train(runs_dir=tmp_path / "runs")
    assert all(p.message in str(refused.value) for p in errors)


def test_a_model_with_nothing_to_train_is_refused(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    blocks = [("dense", {"units": 1, "activation": "linear", "trainable": False})]
    project = new_regression_project(blocks)
    with pytest.raises(TrainingRefused, match="nothing to train"):
        project.train(runs_dir=tmp_path / "runs")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_average_training_loss_is_the_mean_over_all_examples(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    # 40 training examples in batches of 7 (the last has 5); a learning rate too small
    # to move float32 weights, so every batch sees the initial weights
    blocks = [("dense", {"units": 1, "activation": "linear", "use_bias": False})]
    project = new_regression_project(
        blocks, n=50, batch_size=7, optimizer="sgd", learning_rate=1e-12, epochs=1
    )
    trainer, prepared, settings = make_trainer(project)
    (weight,) = [p.detach().double().numpy().copy() for p in prepared.module.parameters()]
    result = trainer.fit()
    assert result.status == "completed"

    data = np.load(project.dataset.path)
    train_index, val_index = split_indices(50, settings.validation_split, settings.seed)
    assert len(train_index) == 40

    def mean_loss(index: np.ndarray) -> float:
        prediction = data["x"][index].astype(np.float64) @ weight.T
        return float(((data["y"][index] - prediction) ** 2).mean())

    record = result.history[0]
    assert record.train_loss == pytest.approx(mean_loss(train_index), rel=1e-6)
    assert record.val_loss == pytest.approx(mean_loss(val_index), rel=1e-6)
    # the mean of the batch means would be different
    batch_means = [mean_loss(train_index[i : i + 7]) for i in range(0, 40, 7)]
    assert abs(np.mean(batch_means) - mean_loss(train_index)) > 1e-4


def test_batch_normalization_trains_when_a_batch_has_one_example(
    new_regression_project: ProjectFactory, tmp_path: Path
) -> None:
    blocks = [
        ("dense", {"units": 4}),
        ("batch_normalization", {}),
        ("dense", {"units": 1, "activation": "linear"}),
    ]
    project = new_regression_project(blocks, n=41, batch_size=8, epochs=2)  # 33 = 4·8 + 1
    run = project.train(runs_dir=tmp_path / "runs")
    assert run.status == "completed", run.failure
    assert np.isfinite(run.history["val_loss"]).all()
