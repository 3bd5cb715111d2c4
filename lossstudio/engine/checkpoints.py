"""Checkpoints and the run-folder callback (engine layer).

``CheckpointCallback`` appends each epoch to ``history.csv`` (through the run
writer), saves ``checkpoints/best.pt`` and the reduced validation predictions
(``predictions/``) when the validation loss improves and ``checkpoints/last.pt`` after
every epoch, and finishes ``run.json`` with the outcome.
Checkpoints are ``state_dict``s only, written to a temporary file and renamed, and
loaded with ``weights_only=True``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from lossstudio.engine.callbacks import Callback
from lossstudio.runs import EpochRecord, RunWriter, save_predictions

if TYPE_CHECKING:
    from lossstudio.engine.trainer import Trainer, TrainResult


def save_state(module: nn.Module, path: Path) -> None:
    """Save ``module``'s ``state_dict`` atomically."""
    temporary = path.with_name(f".{path.name}.tmp")
    torch.save(module.state_dict(), temporary)
    os.replace(temporary, path)


def load_state(module: nn.Module, path: Path) -> None:
    """Load a checkpoint into ``module`` (never unpickles anything but tensors)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    module.load_state_dict(state)


class CheckpointCallback(Callback):
    """Writes the run folder as training goes."""

    def __init__(self, writer: RunWriter) -> None:
        self.writer = writer

    def on_train_begin(self, trainer: Trainer) -> None:
        trainer.run_path = self.writer.path

    def on_epoch_end(self, trainer: Trainer, record: EpochRecord) -> None:
        if self.writer.append(record):
            save_state(trainer.module, self.writer.checkpoint_path("best"))
            best = trainer.best_predictions
            if best is not None and best.epoch == record.epoch:
                save_predictions(self.writer.path, best)
        save_state(trainer.module, self.writer.checkpoint_path("last"))

    def on_status(self, trainer: Trainer, status: str) -> None:
        self.writer.set_status(status)

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None:
        self.writer.finish(result.status, failure=result.failure)
