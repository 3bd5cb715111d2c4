"""One training run of a project, from snapshot to run folder (engine layer).

``prepare_run`` turns a project snapshot into a module, tensors and a trainer;
``train_project`` runs it and writes the run folder (only the main process does under
``torchrun``). The GUI's worker thread and the command line both come through here.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lossstudio.core.graph import Graph
from lossstudio.core.project_model import DatasetRef, ProjectModel
from lossstudio.core.settings import RunSettings
from lossstudio.core.validator import Severity, analyze
from lossstudio.data import Dataset, load_dataset_for, split_indices
from lossstudio.engine.callbacks import Callback, TrainingControl
from lossstudio.engine.checkpoints import CheckpointCallback
from lossstudio.engine.distributed import DistContext, local_device_index
from lossstudio.engine.metrics import metric_names
from lossstudio.engine.model import GraphModule
from lossstudio.engine.trainer import TensorData, Trainer, TrainResult, describe_error
from lossstudio.io.project_file import project_from_dict
from lossstudio.runs import LoadedRun, RunStatus, RunWriter, load_run


class TrainingRefused(Exception):
    """Training cannot start (validation errors, no dataset, no GPU); for the user."""


@dataclass
class PreparedRun:
    """Everything a run needs, built from a snapshot."""

    module: GraphModule
    train: TensorData
    validation: TensorData
    device: torch.device
    context: DistContext | None
    metric_names: list[str]


def resolve_device(name: str, context: DistContext | None = None) -> torch.device:
    """``auto`` → the GPU when there is one, else the CPU; ``cuda`` without a GPU refuses."""
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise TrainingRefused(
                "device 'cuda' was chosen but no CUDA GPU is available; use 'auto' or 'cpu'"
            )
        return torch.device("cuda", local_device_index(context))
    return torch.device("cpu")


def prepare_run(
    snapshot: Mapping[str, Any], settings: RunSettings, dataset: Dataset | None = None
) -> PreparedRun:
    """Validate the snapshot, load its data and build the module and tensors."""
    model: ProjectModel = project_from_dict(dict(snapshot), "<snapshot>")
    if model.dataset is None:
        raise TrainingRefused("the project has no dataset; attach one before training")
    dataset = dataset or load_dataset_for(model.dataset)
    analysis = analyze(model.graph, dataset.facts())
    errors = [p for p in analysis.problems if p.severity is Severity.ERROR]
    if errors:
        listed = "; ".join(f"[{p.node_id or 'model'}] {p.message}" for p in errors[:5])
        raise TrainingRefused(f"the model has {len(errors)} error(s): {listed}")
    target_id = next(nid for nid, node in model.graph.nodes.items() if node.type == "target")
    probe = (
        torch.device("cuda")
        if settings.device != "cpu" and torch.cuda.is_available()
        else (torch.device("cpu"))
    )
    context = DistContext.from_environment(probe)
    device = resolve_device(settings.device, context)
    torch.manual_seed(settings.seed)
    module = GraphModule(model.graph, analysis.shapes, target_id).to(device)
    if not any(parameter.requires_grad for parameter in module.parameters()):
        raise TrainingRefused(
            "the model has nothing to train: add a Dense, Conv2D, Embedding or Batch "
            "normalization block, or make a frozen block trainable"
        )
    train_index, val_index = split_indices(
        dataset.n_examples, settings.validation_split, settings.seed
    )
    features = sorted(set(module.input_features.values()))
    train = _tensors(dataset, features, module, train_index, device)
    validation = _tensors(dataset, features, module, val_index, device)
    names = metric_names(module.loss_id, module.output_shape[-1])
    return PreparedRun(module, train, validation, device, context, names)


def _tensors(
    dataset: Dataset,
    features: Sequence[str],
    module: GraphModule,
    index: np.ndarray,
    device: torch.device,
) -> TensorData:
    inputs = {name: _tensor(dataset.array(name)[index], device) for name in features}
    target = dataset.array(module.target_feature)[index]
    if module.loss_id == "categorical_crossentropy" and np.issubdtype(target.dtype, np.integer):
        tensor = torch.from_numpy(np.ascontiguousarray(target.reshape(len(target)))).long()
    else:
        values = target.astype(np.float32, copy=False)
        tensor = torch.from_numpy(
            np.ascontiguousarray(values.reshape(len(values), *module.output_shape))
        )
    return TensorData(inputs, tensor.to(device))


def _tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    """Inputs as float32 (an Embedding block turns its indices back into integers)."""
    return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32)).to(device)


def versions() -> dict[str, str]:
    """Library versions recorded in ``run.json``."""
    from lossstudio._version import __version__

    return {
        "lossstudio": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def train_snapshot(
    snapshot: Mapping[str, Any],
    settings: RunSettings,
    runs_dir: Path,
    *,
    name: str = "run",
    callbacks: Sequence[Callback] = (),
    control: TrainingControl | None = None,
    dataset: Dataset | None = None,
) -> tuple[Path | None, TrainResult]:
    """Train a project snapshot; returns the run folder (main process) and the result."""
    try:
        prepared = prepare_run(snapshot, settings, dataset)
    except BaseException:
        leave_process_group()
        raise
    context = prepared.context
    writer: RunWriter | None = None
    all_callbacks = list(callbacks)
    if context is None or context.is_main:
        recorded = {**snapshot, "settings": settings.to_dict()}
        writer = RunWriter(
            runs_dir,
            name=name,
            loss=prepared.module.loss_id,
            metric_names=prepared.metric_names,
            settings=settings.to_dict(),
            project=recorded,
            versions=versions(),
        )
        all_callbacks.insert(0, CheckpointCallback(writer))
    try:
        trainer = Trainer(
            prepared.module,
            settings,
            prepared.train,
            prepared.validation,
            device=prepared.device,
            callbacks=all_callbacks,
            control=control,
            context=context,
        )
        result = trainer.fit()
    except Exception as error:
        if writer is not None:
            writer.finish(RunStatus.failed, failure=describe_error(error))
        raise TrainingRefused(f"training could not start: {describe_error(error)}") from error
    finally:
        leave_process_group()
    return (writer.path if writer else None), result


def leave_process_group() -> None:
    """Close the ``torchrun`` process group if this process joined one."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def train_project(project: ProjectModel, runs_dir: Path, settings: RunSettings) -> LoadedRun:
    """``Project.train``: train headless and return the finished run."""
    from lossstudio.io.project_file import project_to_dict

    if project.dataset is None:
        raise TrainingRefused("the project has no dataset; call use_dataset(path) first")
    snapshot = project_to_dict(project)
    name = _run_name(project.dataset, getattr(project, "path", None))
    dataset = getattr(project, "load_dataset", None)
    path, _ = train_snapshot(
        snapshot, settings, runs_dir, name=name, dataset=dataset() if dataset else None
    )
    if path is None:
        raise TrainingRefused("only the main process of a distributed run writes the run")
    return load_run(path)


def _run_name(dataset: DatasetRef, project_path: Path | None) -> str:
    return Path(project_path).stem if project_path else Path(dataset.path).stem


def graph_of(snapshot: Mapping[str, Any]) -> Graph:
    """The graph of a snapshot (for the app's read-only view of a run's model)."""
    return project_from_dict(dict(snapshot), "<snapshot>").graph
