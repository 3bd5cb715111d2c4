"""The best epoch's validation predictions, reduced for plotting (app layer, training thread).

Imported by the worker only, on the training thread: it uses torch. One cheap pass
over the validation data with the module in evaluation mode and without gradients
gives the confusion matrix (single-label), per-label 2×2 counts (multi-label) or the
errors prediction − target (regression). The arrays are saved as ``.npy`` files in the
run's ``predictions/`` folder (numpy only, readable offline) and sent to the window.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from lossstudio.app.training.messages import (
    CONFUSION_FILE,
    ERRORS_FILE,
    PREDICTIONS_DIR,
    BestPredictions,
    frozen,
)
from lossstudio.core.losses import LOSSES, TaskKind
from lossstudio.engine.losses import align_target
from lossstudio.engine.metrics import MultiLabelMetrics, SingleLabelMetrics

if TYPE_CHECKING:
    from lossstudio.engine.trainer import Trainer

BATCH = 2048
MAX_ERRORS = 200_000
"""At most this many errors are kept (evenly spaced) for the histogram."""


@torch.no_grad()
def best_predictions(trainer: Trainer, epoch: int) -> BestPredictions:
    """Reduce the module's current validation predictions (the module is left in eval mode,
    as the trainer's validation pass leaves it)."""
    module = trainer.module
    data = trainer.validation_data
    kind = LOSSES[module.loss_id].task
    n_outputs = int(module.output_shape[-1]) if module.output_shape else 1
    module.eval()
    device = data.target.device
    counts: SingleLabelMetrics | MultiLabelMetrics | None = None
    if kind is TaskKind.SINGLE_LABEL:
        counts = SingleLabelMetrics(n_outputs, device)
    elif kind is TaskKind.MULTI_LABEL:
        counts = MultiLabelMetrics(n_outputs, hinge=module.loss_id == "squared_hinge",
                                   device=device)
    errors: list[torch.Tensor] = []
    for start in range(0, len(data), BATCH):
        index = torch.arange(start, min(start + BATCH, len(data)), device=device)
        inputs, target = data.batch(index)
        prediction = module.activate(module(inputs, logits=True))
        if counts is not None:
            counts.update(prediction, target)
        else:
            error = prediction.float() - align_target(prediction, target).float()
            errors.append(error.reshape(-1).cpu())
    if isinstance(counts, SingleLabelMetrics):
        return BestPredictions(epoch, "confusion", frozen(counts.confusion_matrix()))
    if isinstance(counts, MultiLabelMetrics):
        tp, fp, fn, tn = np.rint(counts.state_tensor().cpu().numpy()).astype(np.int64).reshape(
            4, n_outputs
        )
        matrix = np.stack([np.stack([tn, fp], axis=-1), np.stack([fn, tp], axis=-1)], axis=1)
        return BestPredictions(epoch, "multilabel", frozen(matrix))
    flat = torch.cat(errors).numpy() if errors else np.zeros(0, np.float32)
    if flat.size > MAX_ERRORS:
        flat = flat[np.linspace(0, flat.size - 1, MAX_ERRORS).astype(np.int64)]
    return BestPredictions(epoch, "errors", frozen(np.ascontiguousarray(flat, np.float32)))


def save_predictions(run_path: Path, predictions: BestPredictions) -> Path:
    """Write the array to ``predictions/best_confusion.npy`` or ``best_errors.npy`` atomically."""
    folder = Path(run_path) / PREDICTIONS_DIR
    folder.mkdir(exist_ok=True)
    name = ERRORS_FILE if predictions.kind == "errors" else CONFUSION_FILE
    target = folder / name
    temporary = folder / f".{name}.tmp"
    with open(temporary, "wb") as handle:
        np.save(handle, predictions.array, allow_pickle=False)
    os.replace(temporary, target)
    return target
