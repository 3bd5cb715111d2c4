"""Builders shared by the engine tests: graph modules from core graphs, tiny datasets on disk.

Everything is real: graphs go through the core's validator, datasets are NPZ files in
``tmp_path`` loaded by the data layer, and training runs real torch on the CPU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lossstudio.core.facts import FeatureFacts
from lossstudio.core.project_model import ProjectModel
from lossstudio.core.settings import RunSettings
from lossstudio.core.shapes import Shape
from lossstudio.core.validator import Severity, analyze
from lossstudio.engine.callbacks import Callback, TrainingControl
from lossstudio.engine.model import GraphModule
from lossstudio.engine.session import PreparedRun, prepare_run
from lossstudio.engine.trainer import Trainer, TrainResult
from lossstudio.project import Project
from lossstudio.runs import EpochRecord

BlockDef = tuple[str, dict[str, Any]]


@dataclass
class Built:
    """A validated graph turned into a module, with the core's inferred shapes."""

    model: ProjectModel
    module: GraphModule
    shapes: Mapping[str, Shape | None]
    last: str
    target: str


def feature_facts(
    name: str, shape: Shape, *, integer: bool = False, high: float = 1.0
) -> FeatureFacts:
    """Facts of a feature: real values in [-1, 1], or whole numbers in [0, high]."""
    if integer:
        return FeatureFacts(name, tuple(shape), 0.0, high, integer_valued=True)
    return FeatureFacts(name, tuple(shape), -1.0, 1.0, integer_valued=False)


def build_module(
    model: ProjectModel,
    inputs: Mapping[str, Shape],
    *,
    integer: Mapping[str, float] | None = None,
) -> Built:
    """Give the graph's Target (feature ``y``, loss kept) the shape the last block outputs,
    check the validator reports no error, and build the ``GraphModule``."""
    integer = dict(integer or {})
    facts = {
        name: feature_facts(name, shape, integer=name in integer, high=integer.get(name, 1.0))
        for name, shape in inputs.items()
    }
    target = model.target()
    assert target is not None
    (last,) = model.graph.predecessors(target.id)
    first = analyze(model.graph, facts)
    out_shape = first.shapes[last]
    assert out_shape is not None, [str(p) for p in first.problems]
    target_facts = FeatureFacts(target.params["feature"], out_shape, 0.0, 1.0, False)
    if target.params["loss"] == "categorical_crossentropy":
        width = out_shape[-1]
        target_facts = FeatureFacts(
            target.params["feature"], out_shape, 0.0, 1.0, True, one_hot=True, n_classes=width
        )
    facts[target.params["feature"]] = target_facts
    analysis = analyze(model.graph, facts)
    errors = [str(p) for p in analysis.problems if p.severity is Severity.ERROR]
    assert not errors, errors
    module = GraphModule(model.graph, analysis.shapes, target.id)
    return Built(model, module, analysis.shapes, last, target.id)


def chain(
    input_shape: Shape,
    blocks: Sequence[BlockDef],
    *,
    loss: str = "mean_squared_error",
    integer_high: float | None = None,
) -> Built:
    """``input(x) → blocks… → target(y)`` as a module."""
    model = ProjectModel()
    ids = [model.add("input", feature="x")]
    ids += [model.add(type_id, **params) for type_id, params in blocks]
    ids.append(model.add("target", feature="y", loss=loss))
    for source, target in zip(ids, ids[1:], strict=False):
        model.connect(source, target)
    integer = {"x": integer_high} if integer_high is not None else None
    return build_module(model, {"x": input_shape}, integer=integer)


def batch_for(shape: Shape, n: int = 5, *, integer_high: int | None = None) -> torch.Tensor:
    """A reproducible float32 batch ``(n, *shape)`` (whole numbers below ``integer_high``)."""
    generator = torch.Generator().manual_seed(1234)
    if integer_high is not None:
        return torch.randint(0, integer_high, (n, *shape), generator=generator).float()
    return torch.randn((n, *shape), generator=generator)


# -- tiny datasets and projects on disk --------------------------------------------------


def write_regression_npz(
    path: Path, n: int = 60, *, n_in: int = 4, noise: float = 0.05, seed: int = 0
) -> Path:
    """``x`` standard normal ``(n, n_in)``; ``y = x·w + 0.5 + noise`` of shape ``(n, 1)``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in)).astype(np.float32)
    w = rng.normal(size=(n_in, 1)).astype(np.float32)
    y = (x @ w + 0.5 + noise * rng.normal(size=(n, 1))).astype(np.float32)
    np.savez(path, x=x, y=y)
    return path


def regression_project(
    folder: Path,
    blocks: Sequence[BlockDef] = (("dense", {"units": 1, "activation": "linear"}),),
    *,
    n: int = 60,
    seed: int = 0,
    **settings: Any,
) -> Project:
    """A project ``input(x) → blocks… → target(y, MSE)`` on a fresh NPZ in ``folder``."""
    data = write_regression_npz(folder / f"regression_{n}_{seed}.npz", n, seed=seed)
    project = Project()
    project.use_dataset(data)
    ids = [project.add("input", feature="x")]
    ids += [project.add(type_id, **params) for type_id, params in blocks]
    ids.append(project.add("target", feature="y", loss="mean_squared_error"))
    for source, target in zip(ids, ids[1:], strict=False):
        project.connect(source, target)
    defaults: dict[str, Any] = {
        "epochs": 3,
        "batch_size": 8,
        "optimizer": "adam",
        "learning_rate": 0.05,
        "device": "cpu",
    }
    for name, value in {**defaults, **settings}.items():
        setattr(project.settings, name, value)
    return project


def make_trainer(
    project: Project,
    *,
    callbacks: Sequence[Callback] = (),
    control: TrainingControl | None = None,
    **overrides: Any,
) -> tuple[Trainer, PreparedRun, RunSettings]:
    """A real ``Trainer`` for ``project`` (no run folder), settings overridden."""
    settings = project.settings.replace(**overrides)
    prepared = prepare_run(project.snapshot(), settings)
    trainer = Trainer(
        prepared.module,
        settings,
        prepared.train,
        prepared.validation,
        device=prepared.device,
        callbacks=callbacks,
        control=control,
    )
    return trainer, prepared, settings


def diverging_project(folder: Path) -> Project:
    """Loss w² with w ← w − 3·2w = −5w per batch of one: overflows at the 29th batch."""
    np.savez(folder / "ones.npz", x=np.ones((10, 1), np.float32), y=np.zeros((10, 1), np.float32))
    project = Project()
    project.use_dataset(folder / "ones.npz")
    x = project.add("input", feature="x")
    d = project.add("dense", units=1, activation="linear", use_bias=False, initializer="ones")
    t = project.add("target", feature="y", loss="mean_squared_error")
    project.connect(x, d)
    project.connect(d, t)
    for name, value in dict(
        epochs=10, batch_size=1, optimizer="sgd", learning_rate=3.0, device="cpu"
    ).items():
        setattr(project.settings, name, value)
    return project


class Recorder(Callback):
    """Records every hook call (and stops the run at a chosen batch)."""

    def __init__(
        self, control: TrainingControl | None = None, stop_at: tuple[int, int] | None = None
    ) -> None:
        self.control, self.stop_at = control, stop_at
        self.batches: list[tuple[int, int, int]] = []
        self.epochs_begun: list[int] = []
        self.records: list[EpochRecord] = []
        self.learning_rates: list[float] = []
        self.begun = 0
        self.ended: list[TrainResult] = []

    def on_train_begin(self, trainer: Trainer) -> None:
        self.begun += 1

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        self.epochs_begun.append(epoch)

    def on_batch_end(self, trainer: Trainer, epoch: int, batch: int, n_batches: int) -> None:
        self.batches.append((epoch, batch, n_batches))
        self.learning_rates.append(trainer.optimizer.param_groups[0]["lr"])
        if self.control is not None and (epoch, batch) == self.stop_at:
            self.control.stop()

    def on_epoch_end(self, trainer: Trainer, record: EpochRecord) -> None:
        self.records.append(record)

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None:
        self.ended.append(result)
