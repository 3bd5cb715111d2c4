"""Exporting a trained run's model: ONNX, TorchScript, standalone Python (engine layer).

``load_trained`` rebuilds a run's module from its project snapshot (same data, seed and
split as training), loads the ``best`` or ``last`` checkpoint and keeps the validation
split, so every export is checked against the app's own model on the validation data:

- ONNX (opset 18, dynamic batch axis, the inference model without the loss) is run in
  ONNX Runtime;
- TorchScript (traced) is loaded back with ``torch.jit.load``;
- the standalone Python file (``export_python``) is executed and its ``Model`` is given
  the checkpoint's weights.

Each returns an :class:`ExportReport` with the largest absolute difference. Problems
a user can fix (no checkpoint, missing data, onnx not installed, unknown format)
raise :class:`ExportError` with a message for them, never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor, nn

from lossstudio.core.project_model import ProjectModel
from lossstudio.core.settings import RunSettings
from lossstudio.data import DataError
from lossstudio.engine.checkpoints import load_state
from lossstudio.engine.model import GraphModule
from lossstudio.engine.trainer import TensorData
from lossstudio.runs import LoadedRun, RunFileError, load_run

FORMATS: tuple[str, ...] = ("onnx", "torchscript", "python")
SUFFIXES: dict[str, str] = {"onnx": ".onnx", "torchscript": ".pt", "python": ".py"}
OPSET = 18
"""ONNX opset of exported models (ONNX Runtime ≥ 1.14 runs it)."""

Checkpoint = Literal["best", "last"]


class ExportError(Exception):
    """An export that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class ExportReport:
    """What was written, from which checkpoint, and how closely it matches the app."""

    format: str
    path: Path
    run: Path
    checkpoint: str
    epoch: int | None
    max_abs_diff: float
    n_examples: int
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the user, e.g. for the status bar or the command line."""
        epoch = f", epoch {self.epoch}" if self.epoch is not None else ""
        return (
            f"exported {self.format} to {self.path} ({self.checkpoint} checkpoint{epoch}); "
            f"max abs difference to the app's model on {self.n_examples} validation "
            f"examples: {self.max_abs_diff:.3g}"
        )


@dataclass
class TrainedModel:
    """A run's module with a checkpoint loaded (CPU, eval mode) and its validation data."""

    run: LoadedRun
    module: GraphModule
    validation: TensorData
    feature_names: list[str]
    settings: RunSettings
    snapshot: dict[str, Any]
    checkpoint: str
    epoch: int | None
    dataset_path: Path
    feature_configs: dict[str, dict[str, Any]]

    def example_inputs(self, n: int | None = None) -> tuple[Tensor, ...]:
        """Validation inputs in ``feature_names`` order (the first ``n`` examples)."""
        inputs = self.validation.inputs
        return tuple(inputs[name][:n] if n else inputs[name] for name in self.feature_names)

    @torch.no_grad()
    def reference(self) -> Tensor:
        """The app's post-activation predictions on the validation data."""
        output: Tensor = self.module(dict(self.validation.inputs))
        return output


class InferenceModel(nn.Module):
    """The inference model without the loss: one tensor per input feature, in order."""

    def __init__(self, module: GraphModule, feature_names: Sequence[str]) -> None:
        super().__init__()
        self.model = module
        self.feature_names = list(feature_names)

    def forward(self, *inputs: Tensor) -> Tensor:
        """Post-activation predictions."""
        output: Tensor = self.model(dict(zip(self.feature_names, inputs, strict=True)))
        return output


def load_trained(
    run_dir: str | Path, checkpoint: Checkpoint = "best", *, dataset_path: str | Path | None = None
) -> TrainedModel:
    """Rebuild a run's module with its ``best``/``last`` weights and its validation data.

    ``dataset_path`` replaces the run's dataset file (e.g. when the data moved).
    """
    from lossstudio.data import load_dataset_for
    from lossstudio.engine.session import TrainingRefused, prepare_run
    from lossstudio.io.errors import ProjectFileError
    from lossstudio.io.project_file import project_from_dict

    run = _load_run(Path(run_dir))
    if checkpoint not in ("best", "last"):
        raise ExportError(f"checkpoint must be 'best' or 'last', not {checkpoint!r}")
    weights = run.checkpoint_path(checkpoint)
    if not weights.is_file():
        raise ExportError(
            f"run {run.path} has no {checkpoint} checkpoint ({weights.relative_to(run.path)}); "
            "it finished no epoch. Train it for at least one epoch, or choose another run."
        )
    snapshot = dict(run.project)
    if not snapshot.get("blocks"):
        raise ExportError(f"run {run.path} records no project snapshot in run.json")
    if dataset_path is not None and snapshot.get("dataset"):
        snapshot["dataset"] = {**snapshot["dataset"], "path": str(Path(dataset_path).resolve())}
    try:
        settings = RunSettings.from_dict({**run.settings, "device": "cpu"})
        model: ProjectModel = project_from_dict(dict(snapshot), "<snapshot>")
        if model.dataset is None:
            raise ExportError(f"run {run.path} has no dataset in its project snapshot")
        dataset = load_dataset_for(model.dataset)
        with torch.random.fork_rng(devices=[]):
            prepared = prepare_run(snapshot, settings, dataset)
    except DataError as error:
        raise ExportError(
            f"the run's data are needed to rebuild and check the model: {error}"
        ) from None
    except (TrainingRefused, ProjectFileError, ValueError) as error:
        raise ExportError(f"the run's model cannot be rebuilt: {error}") from None
    module = prepared.module
    try:
        load_state(module, weights)
    except (RuntimeError, OSError) as error:
        raise ExportError(f"{weights} does not fit the run's model: {first_line(error)}") from None
    module.eval()
    names = list(dict.fromkeys(module.input_features.values()))
    used = [*names, module.target_feature]
    configs = {name: dataset.features[name].config.to_dict() for name in used}
    epoch = run.best_epoch if checkpoint == "best" else (run.epochs_done or None)
    return TrainedModel(
        run, module, prepared.validation, names, settings, snapshot, checkpoint, epoch,
        Path(dataset.path).resolve(), configs,
    )


def _load_run(path: Path) -> LoadedRun:
    if not path.is_dir():
        raise ExportError(f"{path}: no such run folder")
    try:
        return load_run(path)
    except (RunFileError, OSError, ValueError) as error:
        raise ExportError(f"{path} is not a readable run folder: {error}") from None


def first_line(error: BaseException) -> str:
    """The first line of an exception's message, with its type."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0].strip() if lines else ''}".rstrip(": ")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporters' progress prints, log lines and deprecation warnings."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def max_abs_diff(expected: Tensor, actual: np.ndarray | Tensor) -> float:
    actual_tensor = torch.as_tensor(np.asarray(actual)).to(expected.dtype)
    if tuple(actual_tensor.shape) != tuple(expected.shape):
        raise ExportError(
            f"the exported model gives shape {tuple(actual_tensor.shape)}, "
            f"the app's model {tuple(expected.shape)}"
        )
    return float((expected.double() - actual_tensor.double()).abs().max())


def _trace_inputs(trained: TrainedModel) -> tuple[Tensor, ...]:
    """Two examples (a batch of one would fix the batch axis at 1)."""
    return tuple(x[:2] if len(x) >= 2 else torch.cat([x, x]) for x in trained.example_inputs())


def _require_onnx() -> tuple[Any, Any]:
    try:
        import onnx
        import onnxruntime  # type: ignore[import-untyped]
        import onnxscript  # noqa: F401  (torch's ONNX exporter needs it)
    except ImportError as error:
        raise ExportError(
            f"ONNX export needs the packages onnx, onnxscript and onnxruntime ({error.name} is "
            "missing); install them with: pip install 'lossstudio[export]'"
        ) from None
    return onnx, onnxruntime


def export_onnx(trained: TrainedModel, path: str | Path) -> ExportReport:
    """Write the inference model as ONNX and compare it with PyTorch in ONNX Runtime."""
    onnx, onnxruntime = _require_onnx()
    target = Path(path)
    wrapper = InferenceModel(trained.module, trained.feature_names).eval()
    batch = torch.export.Dim("batch")
    try:
        with _quiet():
            program = torch.onnx.export(
                wrapper, _trace_inputs(trained), None, input_names=trained.feature_names,
                output_names=["prediction"], opset_version=OPSET, dynamo=True,
                dynamic_shapes=(tuple({0: batch} for _ in trained.feature_names),),
                verbose=False,
            )
    except Exception as error:  # the exporter raises many kinds; the user needs one line
        raise ExportError(f"ONNX export failed: {first_line(error)}") from None
    assert program is not None
    proto = program.model_proto
    for key, value in _metadata(trained).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(proto, str(target))
    onnx.checker.check_model(str(target))
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    feeds = {
        name: tensor.numpy()
        for name, tensor in zip(trained.feature_names, trained.example_inputs(), strict=True)
    }
    (actual,) = session.run(["prediction"], feeds)
    return _report(trained, "onnx", target, max_abs_diff(trained.reference(), actual),
                   {"opset": OPSET, "inputs": trained.feature_names, "output": "prediction"})


def export_torchscript(trained: TrainedModel, path: str | Path) -> ExportReport:
    """Write the inference model as traced TorchScript and compare the reloaded file."""
    target = Path(path)
    wrapper = InferenceModel(trained.module, trained.feature_names).eval()
    try:
        with _quiet(), torch.no_grad():
            traced = torch.jit.trace(  # type: ignore[no-untyped-call]
                wrapper, _trace_inputs(trained), check_trace=False
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            extra = {"lossstudio.json": json.dumps(_metadata(trained))}
            torch.jit.save(traced, str(target), _extra_files=extra)
            loaded = torch.jit.load(  # type: ignore[no-untyped-call]
                str(target), map_location="cpu"
            )
            actual = loaded(*trained.example_inputs())
    except Exception as error:  # as for ONNX: one line for the user
        raise ExportError(f"TorchScript export failed: {first_line(error)}") from None
    return _report(trained, "torchscript", target, max_abs_diff(trained.reference(), actual),
                   {"inputs": trained.feature_names})


def _metadata(trained: TrainedModel) -> dict[str, str]:
    """What a user of the exported file needs to feed it: features, encodings, loss."""
    from lossstudio._version import __version__

    module = trained.module
    return {
        "producer": f"LossStudio {__version__}",
        "run": trained.run.id,
        "checkpoint": trained.checkpoint,
        "loss": module.loss_id,
        "output_activation": module.output_activation,
        "target_feature": module.target_feature,
        "input_features": json.dumps(trained.feature_names),
        "features": json.dumps(trained.feature_configs),
    }


def _report(
    trained: TrainedModel, fmt: str, path: Path, diff: float, details: Mapping[str, Any]
) -> ExportReport:
    return ExportReport(
        fmt, path, trained.run.path, trained.checkpoint, trained.epoch, diff,
        len(trained.validation), dict(details),
    )


def export_run(
    run_dir: str | Path,
    fmt: str,
    output: str | Path,
    checkpoint: Checkpoint = "best",
    *,
    dataset_path: str | Path | None = None,
) -> ExportReport:
    """Export a run's ``best``/``last`` model as ``onnx``, ``torchscript`` or ``python``."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if fmt == "onnx":
        _require_onnx()  # say so before the data are loaded
    trained = load_trained(run_dir, checkpoint, dataset_path=dataset_path)
    if fmt == "onnx":
        return export_onnx(trained, output)
    if fmt == "torchscript":
        return export_torchscript(trained, output)
    from lossstudio.engine.export_python import export_python

    return export_python(trained, output)
