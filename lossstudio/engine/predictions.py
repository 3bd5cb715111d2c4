"""The best epoch's validation predictions reduced for plotting (engine layer).

The trainer's validation pass already accumulates what the Evaluation view draws: the
confusion counts of a classification task live in its metric accumulator, and for a
regression task it keeps the errors (prediction − target) of the pass. When an epoch
improves the validation loss, ``reduce_predictions`` turns them into a
``BestPredictions`` (a host copy; no second pass over the data), which the run-folder
callback saves and the window draws.
"""

from __future__ import annotations

import numpy as np
from torch import Tensor

from lossstudio.engine.metrics import MetricAccumulator, MultiLabelMetrics, SingleLabelMetrics
from lossstudio.runs.predictions import BestPredictions, frozen, spaced_sample


def reduce_predictions(
    epoch: int, metrics: MetricAccumulator, errors: Tensor | None
) -> BestPredictions | None:
    """The plotted form of one validation pass: confusion counts (single-label), 2×2 counts
    per label (multi-label) or at most ``MAX_ERRORS`` errors (regression); None when the
    pass kept nothing to plot."""
    if isinstance(metrics, SingleLabelMetrics):
        return BestPredictions(epoch, "confusion", frozen(metrics.confusion_matrix()))
    if isinstance(metrics, MultiLabelMetrics):
        return BestPredictions(epoch, "multilabel", frozen(metrics.confusion_matrices()))
    if errors is None:
        return None
    flat = errors.detach().reshape(-1).float().cpu().numpy()
    sample = np.array(spaced_sample(flat), dtype=np.float32)  # a copy torch does not share
    return BestPredictions(epoch, "errors", frozen(sample))
