"""``lossstudio train PROJECT``: headless training with a progress line per epoch.

Under ``torchrun`` every process trains its shard; only rank 0 prints and writes the
run. Ctrl-C stops the run cleanly after the current batch (recorded as ``stopped``).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from lossstudio.data import DataError
from lossstudio.io.errors import ProjectFileError
from lossstudio.project import Project

if TYPE_CHECKING:
    from lossstudio.engine.trainer import Trainer
    from lossstudio.runs import EpochRecord


def _is_main_process() -> bool:
    return os.environ.get("RANK", "0") == "0"


def train_command(path: Path, *, epochs: int | None, runs: Path | None, device: str | None) -> int:
    """Train the project at ``path``; exit 0 on a completed run, 1 otherwise, 2 on bad input."""
    from lossstudio.core.params import ParameterError

    main = _is_main_process()
    try:
        project = Project.load(path)
        overrides = {k: v for k, v in (("epochs", epochs), ("device", device)) if v is not None}
        settings = project.settings.replace(**overrides)
        dataset = project.load_dataset() if project.dataset else None
    except (ProjectFileError, DataError, ParameterError, ValueError) as error:
        print(f"lossstudio: {error}", file=sys.stderr)
        return 2
    from lossstudio.engine.callbacks import Callback, TrainingControl
    from lossstudio.engine.session import TrainingRefused, train_snapshot

    class Progress(Callback):
        def on_epoch_end(self, trainer: Trainer, record: EpochRecord) -> None:
            if main:
                print(format_epoch(record, settings.epochs), flush=True)

    control = TrainingControl()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        control.stop()

    previous = signal.signal(signal.SIGINT, interrupt)
    folder = runs if runs is not None else project.default_runs_dir()
    try:
        run_path, result = train_snapshot(
            project.snapshot(),
            settings,
            folder,
            name=path.stem,
            callbacks=[Progress()],
            control=control,
            dataset=dataset,
        )
    except (TrainingRefused, DataError) as error:
        print(f"lossstudio: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, previous)
    if main:
        best = (
            f"best val_loss {result.best_val_loss:.6g} at epoch {result.best_epoch}"
            if result.best_epoch
            else "no finished epoch"
        )
        print(f"run {result.status}: {run_path} ({best})")
        if result.failure:
            print(f"lossstudio: the run failed: {result.failure}", file=sys.stderr)
    return 0 if result.status == "completed" else 1


def format_epoch(record: EpochRecord, epochs: int) -> str:
    """One progress line: epoch, losses, metrics and seconds."""
    metrics = "  ".join(f"{name} {value:.4g}" for name, value in list(record.metrics.items())[:4])
    return (
        f"epoch {record.epoch}/{epochs}  train_loss {record.train_loss:.6g}  "
        f"val_loss {record.val_loss:.6g}  {metrics}  ({record.seconds:.1f} s)"
    )
