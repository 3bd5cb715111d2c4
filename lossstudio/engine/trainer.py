"""The training loop (engine layer).

Data that fits in memory lives in tensors on the device and batches are sliced by
index (no ``DataLoader``). Losses and metrics are accumulated on the device and read
once per epoch; the only per-batch work besides the step is checking the stop/pause
flags and calling callbacks that override ``on_batch_end``. A NaN or infinite loss
ends the run as ``failed`` with the epoch, batch and a likely cause.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from lossstudio.core.losses import TaskKind
from lossstudio.core.settings import RunSettings
from lossstudio.engine.callbacks import Callback, TrainingControl, overrides
from lossstudio.engine.distributed import DistContext
from lossstudio.engine.losses import align_target, per_example_loss, per_example_loss_from_logits
from lossstudio.engine.metrics import MetricAccumulator, metrics_for, task_kind
from lossstudio.engine.model import GraphModule
from lossstudio.engine.optimizers import make_optimizer, make_schedule
from lossstudio.engine.predictions import reduce_predictions
from lossstudio.runs import BestPredictions, EpochRecord, RunStatus

VALIDATION_BATCH = 1024
DDP_STOP_EVERY = 10
"""Under DDP the ranks agree on a stop request every this many batches."""


@dataclass(frozen=True)
class TensorData:
    """Features and targets of one split, as tensors on the training device."""

    inputs: Mapping[str, Tensor]
    target: Tensor

    def __len__(self) -> int:
        return int(self.target.shape[0])

    def batch(self, index: Tensor) -> tuple[dict[str, Tensor], Tensor]:
        """The examples at ``index``."""
        return {name: value[index] for name, value in self.inputs.items()}, self.target[index]


@dataclass
class TrainResult:
    """How a run ended and what it recorded."""

    status: RunStatus
    failure: str | None = None
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_loss: float | None = None


class TrainingFailed(Exception):
    """A run that cannot go on (NaN loss); the message is for the user."""


class Trainer:
    """Trains a ``GraphModule`` with the loss of its Target block."""

    def __init__(
        self,
        module: GraphModule,
        settings: RunSettings,
        train: TensorData,
        validation: TensorData,
        *,
        device: torch.device,
        callbacks: Sequence[Callback] = (),
        control: TrainingControl | None = None,
        context: DistContext | None = None,
    ) -> None:
        self.module = module
        self.settings = settings
        self.train_data, self.validation_data = train, validation
        self.device = device
        self.callbacks = list(callbacks)
        self.control = control or TrainingControl()
        self.context = context
        self.model: nn.Module = module
        if context is not None:
            from torch.nn.parallel import DistributedDataParallel

            ids = [device.index] if device.type == "cuda" else None
            self.model = DistributedDataParallel(module, device_ids=ids)
        self.optimizer = make_optimizer(settings, module.parameters())
        self.schedule = make_schedule(settings, self.optimizer)
        self.generator = torch.Generator().manual_seed(settings.seed)
        self.epoch = 0
        self.n_batches = 0
        self.run_path: Path | None = None
        """The run folder, once the run-folder callback has created it."""
        self.best_predictions: BestPredictions | None = None
        """The validation predictions of the best epoch so far, reduced for plotting (set
        before the ``on_epoch_end`` callbacks of an epoch that improved)."""
        self._keep_errors = task_kind(module.loss_id) is TaskKind.REGRESSION
        self._batch_callbacks = [cb for cb in self.callbacks if overrides(cb, "on_batch_end")]

    def batch_loss(self, output: Tensor, target: Tensor) -> Tensor:
        """Mean loss of a batch of forward outputs (what the optimizer minimizes)."""
        module = self.module
        if module.fused and module.loss_id == "categorical_crossentropy":
            if target.dtype == torch.long:
                return nn.functional.cross_entropy(output, target)
        return self.loss_per_example(output, target).mean()

    def loss_per_example(self, output: Tensor, target: Tensor) -> Tensor:
        """Per-example loss of a forward output (logits when the module fuses)."""
        module = self.module
        if module.fused:
            if module.loss_id == "categorical_crossentropy" and target.dtype == torch.long:
                return nn.functional.cross_entropy(output, target, reduction="none")
            return per_example_loss_from_logits(
                module.loss_id, output, target, module.output_activation
            )
        return per_example_loss(module.loss_id, output, target)

    def fit(self) -> TrainResult:
        """Train for ``settings.epochs`` epochs, or until stopped, failed or stopped early."""
        result = TrainResult(RunStatus.running)
        self._emit("on_train_begin")
        patience_left = self.settings.patience
        try:
            for epoch in range(1, self.settings.epochs + 1):
                self.epoch = epoch
                self._emit("on_epoch_begin", epoch)
                started = time.perf_counter()
                train_loss = self._train_epoch(epoch)
                if train_loss is None:
                    result.status = RunStatus.stopped
                    break
                val_loss, accumulator, errors = self._validate()
                if not math.isfinite(val_loss):
                    raise TrainingFailed(
                        self._non_finite_message("validation loss", val_loss, epoch, None)
                    )
                record = EpochRecord(
                    epoch, train_loss, val_loss, accumulator.compute(),
                    time.perf_counter() - started,
                )
                result.history.append(record)
                if result.best_val_loss is None or val_loss < result.best_val_loss:
                    result.best_epoch, result.best_val_loss = epoch, val_loss
                    patience_left = self.settings.patience
                    if errors is not None and self.context is not None:
                        errors = self.context.gather(errors)
                    self.best_predictions = reduce_predictions(epoch, accumulator, errors)
                else:
                    patience_left -= 1
                self._emit("on_epoch_end", record)
                if self.settings.early_stopping and patience_left <= 0:
                    break
            else:
                epoch = self.settings.epochs
            if result.status is RunStatus.running:
                result.status = RunStatus.completed
        except TrainingFailed as error:
            result.status, result.failure = RunStatus.failed, str(error)
        except Exception as error:
            result.status, result.failure = RunStatus.failed, describe_error(error)
            self._emit("on_exception", error)
        self._emit("on_train_end", result)
        return result

    def _train_epoch(self, epoch: int) -> float | None:
        """One pass over the training data; ``None`` when stopped."""
        self.model.train()
        data, size = self.train_data, self.settings.batch_size
        order = torch.randperm(len(data), generator=self.generator).to(self.device)
        if self.context is not None:
            order = self.context.shard(order, pad=True)
        n_batches = self.n_batches = max(1, -(-len(order) // size))
        means: list[Tensor] = []
        control, model, optimizer = self.control, self.model, self.optimizer
        for batch in range(n_batches):
            if control.pause_requested and not control.stop_requested:
                self._emit("on_status", "paused")
                control.wait_while_paused()
                if not control.stop_requested:
                    self._emit("on_status", "running")
            if self._should_stop(batch):
                return None
            inputs, target = data.batch(order[batch * size : (batch + 1) * size])
            loss = self.batch_loss(model(inputs, logits=True), target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            if self.schedule is not None:
                self.schedule.step()
            means.append(loss.detach())
            for callback in self._batch_callbacks:
                callback.on_batch_end(self, epoch, batch + 1, n_batches)
        batch_means = torch.stack(means).double()
        sizes = torch.full_like(batch_means, float(size))
        sizes[-1] = len(order) - size * (n_batches - 1)
        totals = torch.stack([(batch_means * sizes).sum(), sizes.sum()])
        if self.context is not None:
            totals = self.context.sum(totals)
        total, count = (float(value) for value in totals.tolist())
        if not math.isfinite(total):
            finite = torch.isfinite(batch_means)
            if bool(finite.all()):
                raise TrainingFailed(self._non_finite_message("loss", math.nan, epoch, None))
            bad = int((~finite).nonzero()[0].item())
            value = float(batch_means[bad])
            raise TrainingFailed(self._non_finite_message("loss", value, epoch, bad + 1))
        return total / count

    def _should_stop(self, batch: int) -> bool:
        """The stop flag; under DDP every rank agrees, every ``DDP_STOP_EVERY`` batches."""
        if self.context is None:
            return self.control.stop_requested
        if batch % DDP_STOP_EVERY:
            return False
        return self.context.broadcast_flag(self.control.stop_requested, self.device)

    @torch.no_grad()
    def _validate(self) -> tuple[float, MetricAccumulator, Tensor | None]:
        """Average validation loss, the task's metric accumulator (summed over ranks) and,
        for a regression task, this rank's errors (prediction − target, flat)."""
        module = self.module
        module.eval()
        data = self.validation_data
        order = torch.arange(len(data), device=self.device)
        if self.context is not None:
            order = self.context.shard(order, pad=False)
        metrics = metrics_for(module.loss_id, module.output_shape[-1], self.device)
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        errors: list[Tensor] = []
        size = max(self.settings.batch_size, VALIDATION_BATCH)
        for start in range(0, len(order), size):
            inputs, target = data.batch(order[start : start + size])
            output = module(inputs, logits=True)
            total += self.loss_per_example(output, target).sum()
            prediction = module.activate(output)
            metrics.update(prediction, target)
            if self._keep_errors:
                errors.append((prediction - align_target(prediction, target)).reshape(-1))
        if self.context is not None:
            totals = self.context.sum(
                torch.stack(
                    [
                        total,
                        torch.tensor(float(len(order)), dtype=torch.float64, device=self.device),
                    ]
                )
            )
            total, count = totals[0], float(totals[1].item())
            metrics.load_state_tensor(self.context.sum(metrics.state_tensor()))
        else:
            count = float(len(order))
        kept = None
        if self._keep_errors:
            kept = torch.cat(errors) if errors else torch.zeros(0, device=self.device)
        return float(total.item()) / max(count, 1.0), metrics, kept

    def _non_finite_message(self, what: str, value: float, epoch: int, batch: int | None) -> str:
        where = f"epoch {epoch}" + (f", batch {batch}" if batch else "")
        kind = "NaN" if math.isnan(value) else "infinite"
        lr = self.settings.learning_rate
        if lr >= 0.01:
            cause = f"learning rate {lr:g} may be too high"
        else:
            cause = "check the data for extreme values and the loss/activation pair"
        return f"{what} became {kind} at {where}; {cause}"

    def _emit(self, hook: str, *args: object) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)


def describe_error(error: BaseException) -> str:
    """A one-line reason for a failed run (out of memory gets advice)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, torch.OutOfMemoryError | MemoryError):
        return f"out of memory ({text}); use a smaller batch size or model"
    return f"{type(error).__name__}: {text}"
