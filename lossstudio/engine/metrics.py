"""Per-epoch task metrics of SPEC §7, accumulated on the device (engine layer).

An accumulator adds the sufficient statistics of each batch to one float64 tensor on
the predictions' device, with no host synchronisation per batch; ``compute`` copies
that tensor to the host once and derives the metrics. Every statistic is a sum, so a
distributed trainer can ``all_reduce`` (sum) ``state_tensor()`` across ranks and
``load_state_tensor`` the result before ``compute``.

Three task kinds, chosen by the loss (``lossstudio.core.losses``):

- single-label classification (categorical crossentropy): a K×K confusion matrix
  (rows: true class, columns: predicted class = argmax); ``accuracy`` and macro
  ``precision``, ``recall``, ``f1``.
- multi-label classification (binary crossentropy, squared hinge): per label the
  true/false positive/negative counts; a prediction is positive above 0.5 (binary
  crossentropy) or above 0 (squared hinge), a target likewise after the mapping the
  loss applies; ``accuracy`` over all labels, macro ``precision``, ``recall``, ``f1``,
  and ``accuracy_label_<i>`` per label.
- regression (the other losses): ``mae``, ``mse``, ``rmse``, ``mape`` (percent, over
  the elements whose target has ``|y| ≥ 1e-7``; the others are left out), and ``r2``
  = 1 − SS_res/SS_tot pooled over all elements (1.0 for a perfect fit and 0.0
  otherwise when the targets are constant, as scikit-learn does).

Macro averages are over the classes (labels) that occur in the targets or in the
predictions; a present class that is never predicted has precision 0 (scikit-learn's
``zero_division=0``), and macro F1 is the mean of the per-class F1 scores. A metric
with nothing to average is NaN.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import torch
from torch import Tensor

from lossstudio.core.losses import LOSSES, TaskKind
from lossstudio.engine.losses import align_target, check_loss_id, class_indices, hinge_targets

MAPE_MIN_ABS_TARGET = 1e-7
"""Targets with a smaller magnitude are left out of the MAPE average."""

CLASSIFICATION_NAMES = ("accuracy", "precision", "recall", "f1")
REGRESSION_NAMES = ("mae", "mse", "rmse", "mape", "r2")


class MetricAccumulator(Protocol):
    """Accumulates one task's sufficient statistics across batches of an epoch."""

    @property
    def names(self) -> list[str]:
        """The metric names in column order (``compute``'s key order)."""
        ...

    def update(self, prediction: Tensor, target: Tensor) -> None:
        """Add a batch: post-activation predictions and targets as given to the loss."""
        ...

    def compute(self) -> dict[str, float]:
        """Return the metrics of everything added since the last reset."""
        ...

    def reset(self) -> None:
        """Forget everything added."""
        ...

    def state_tensor(self) -> Tensor:
        """Return a copy of the sufficient statistics: a 1-D float64 tensor of sums."""
        ...

    def load_state_tensor(self, state: Tensor) -> None:
        """Replace the sufficient statistics, e.g. by their sum over ranks."""
        ...


class _Sums:
    """A fixed-size float64 vector of sums that lives on the device of the data."""

    def __init__(self, size: int, device: torch.device | str | None) -> None:
        self._state = torch.zeros(size, dtype=torch.float64, device=device)

    def _add(self, values: Tensor) -> None:
        if values.device != self._state.device:
            self._state = self._state.to(values.device)
        self._state += values.to(torch.float64)

    def reset(self) -> None:
        """Forget everything added."""
        self._state.zero_()

    def state_tensor(self) -> Tensor:
        """Return a copy of the sufficient statistics: a 1-D float64 tensor of sums."""
        return self._state.clone()

    def load_state_tensor(self, state: Tensor) -> None:
        """Replace the sufficient statistics, e.g. by their sum over ranks."""
        if state.shape != self._state.shape:
            raise ValueError(
                f"state of shape {tuple(state.shape)} given, {tuple(self._state.shape)} expected"
            )
        self._state = state.detach().to(torch.float64).clone()

    def _host(self) -> np.ndarray:
        return self._state.detach().cpu().numpy()


def _rows(values: Tensor, width: int) -> Tensor:
    """Reshape ``values`` to ``(-1, width)``, checking that its last axis has ``width``."""
    if values.dim() == 1 and width == 1:
        values = values.unsqueeze(-1)
    if values.dim() < 2 or values.shape[-1] != width:
        raise ValueError(
            f"predictions of shape {tuple(values.shape)} do not have {width} outputs "
            "on their last axis"
        )
    return values.reshape(-1, width)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Elementwise ``numerator / denominator``, 0 where the denominator is 0."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, 0.0)


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else math.nan


def _macro(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> dict[str, float]:
    """Macro precision, recall and F1 over the classes present in targets or predictions."""
    present = (tp + fp + fn) > 0
    tp, fp, fn = tp[present], fp[present], fn[present]
    return {
        "precision": _mean(_ratio(tp, tp + fp)),
        "recall": _mean(_ratio(tp, tp + fn)),
        "f1": _mean(_ratio(2 * tp, 2 * tp + fp + fn)),
    }


class SingleLabelMetrics(_Sums):
    """Single-label classification metrics from a K×K confusion matrix."""

    def __init__(self, n_classes: int, device: torch.device | str | None = None) -> None:
        if n_classes < 1:
            raise ValueError(f"n_classes must be at least 1, got {n_classes}")
        super().__init__(n_classes * n_classes, device)
        self.n_classes = n_classes

    @property
    def names(self) -> list[str]:
        """The metric names in column order."""
        return list(CLASSIFICATION_NAMES)

    def update(self, prediction: Tensor, target: Tensor) -> None:
        """Add a batch; targets are one-hot (shape of ``prediction``) or class indices."""
        k = self.n_classes
        with torch.no_grad():
            prediction = prediction.detach()
            rows = _rows(prediction, k)
            truth = class_indices(prediction, target.detach()).reshape(-1)
            cells = truth * k + rows.argmax(dim=-1)
            self._add(torch.bincount(cells, minlength=k * k))

    def confusion_matrix(self) -> np.ndarray:
        """The K×K counts (int64): rows are true classes, columns predicted classes."""
        k = self.n_classes
        counts: np.ndarray = np.rint(self._host()).astype(np.int64)
        return counts.reshape(k, k)

    def compute(self) -> dict[str, float]:
        """Return ``accuracy`` and macro ``precision``, ``recall``, ``f1``."""
        matrix = self._host().reshape(self.n_classes, self.n_classes)
        total = matrix.sum()
        tp = np.diag(matrix)
        result = {"accuracy": float(tp.sum() / total) if total > 0 else math.nan}
        result.update(_macro(tp, matrix.sum(axis=0) - tp, matrix.sum(axis=1) - tp))
        return result


class MultiLabelMetrics(_Sums):
    """Multi-label classification metrics from per-label TP, FP, FN, TN counts."""

    def __init__(
        self, n_labels: int, *, hinge: bool = False, device: torch.device | str | None = None
    ) -> None:
        if n_labels < 1:
            raise ValueError(f"n_labels must be at least 1, got {n_labels}")
        super().__init__(4 * n_labels, device)
        self.n_labels = n_labels
        self.hinge = hinge
        self.threshold = 0.0 if hinge else 0.5

    @property
    def names(self) -> list[str]:
        """The metric names in column order."""
        per_label = [f"accuracy_label_{i}" for i in range(self.n_labels)]
        return [*CLASSIFICATION_NAMES, *per_label]

    def update(self, prediction: Tensor, target: Tensor) -> None:
        """Add a batch; the last axis holds the labels."""
        with torch.no_grad():
            prediction = prediction.detach()
            truth = align_target(prediction, target.detach())
            if self.hinge:
                truth = hinge_targets(truth)
            predicted = _rows(prediction, self.n_labels) > self.threshold
            actual = _rows(truth, self.n_labels) > self.threshold
            counts = torch.cat(
                [
                    (actual & predicted).sum(dim=0),
                    (~actual & predicted).sum(dim=0),
                    (actual & ~predicted).sum(dim=0),
                    (~actual & ~predicted).sum(dim=0),
                ]
            )
            self._add(counts)

    def confusion_matrices(self) -> np.ndarray:
        """Per label the 2×2 counts (int64) ``[[TN, FP], [FN, TP]]``: shape L×2×2."""
        tp, fp, fn, tn = np.rint(self._host()).astype(np.int64).reshape(4, self.n_labels)
        negatives = np.stack([tn, fp], axis=-1)
        positives = np.stack([fn, tp], axis=-1)
        matrices: np.ndarray = np.stack([negatives, positives], axis=1)
        return matrices

    def compute(self) -> dict[str, float]:
        """Return ``accuracy``, macro ``precision``, ``recall``, ``f1``, per-label accuracy."""
        tp, fp, fn, tn = self._host().reshape(4, self.n_labels)
        examples = tp + fp + fn + tn
        total = examples.sum()
        result = {"accuracy": float((tp + tn).sum() / total) if total > 0 else math.nan}
        result.update(_macro(tp, fp, fn))
        for i in range(self.n_labels):
            correct = tp[i] + tn[i]
            result[f"accuracy_label_{i}"] = (
                float(correct / examples[i]) if examples[i] > 0 else math.nan
            )
        return result


class RegressionMetrics(_Sums):
    """Regression metrics from sums over all elements.

    State: n, Σy, Σy², Σ(y−ŷ)², Σ|y−ŷ|, Σ|y−ŷ|/|y| and the element count of the MAPE.
    """

    def __init__(self, device: torch.device | str | None = None) -> None:
        super().__init__(7, device)

    @property
    def names(self) -> list[str]:
        """The metric names in column order."""
        return list(REGRESSION_NAMES)

    def update(self, prediction: Tensor, target: Tensor) -> None:
        """Add a batch of predictions and targets with the same number of elements."""
        with torch.no_grad():
            predicted = prediction.detach().to(torch.float64)
            actual = align_target(predicted, target.detach()).reshape(-1)
            error = actual - predicted.reshape(-1)
            magnitude = actual.abs()
            counted = magnitude >= MAPE_MIN_ABS_TARGET
            relative = torch.where(
                counted, error.abs() / magnitude.clamp(min=MAPE_MIN_ABS_TARGET), 0.0
            )
            n = torch.full((), actual.numel(), dtype=torch.float64, device=actual.device)
            sums = torch.stack(
                [
                    n,
                    actual.sum(),
                    actual.square().sum(),
                    error.square().sum(),
                    error.abs().sum(),
                    relative.sum(),
                    counted.sum().to(torch.float64),
                ]
            )
            self._add(sums)

    def compute(self) -> dict[str, float]:
        """Return ``mae``, ``mse``, ``rmse``, ``mape`` (percent) and ``r2``."""
        n, sum_y, sum_y2, sum_sq, sum_abs, sum_rel, n_rel = (float(v) for v in self._host())
        if n == 0:
            return dict.fromkeys(REGRESSION_NAMES, math.nan)
        mse = sum_sq / n
        ss_tot = max(sum_y2 - sum_y * sum_y / n, 0.0)
        if ss_tot > 1e-12 * sum_y2:
            r2 = 1.0 - sum_sq / ss_tot
        else:
            r2 = 1.0 if sum_sq == 0 else 0.0
        return {
            "mae": sum_abs / n,
            "mse": mse,
            "rmse": math.sqrt(mse),
            "mape": 100.0 * sum_rel / n_rel if n_rel > 0 else math.nan,
            "r2": r2,
        }


def task_kind(loss_id: str) -> TaskKind:
    """Return the task kind whose metrics a run with loss ``loss_id`` reports."""
    check_loss_id(loss_id)
    return LOSSES[loss_id].task


def metrics_for(
    loss_id: str, n_outputs: int, device: torch.device | str | None = None
) -> SingleLabelMetrics | MultiLabelMetrics | RegressionMetrics:
    """Return a fresh accumulator for loss ``loss_id``.

    ``n_outputs`` is the size of the predictions' last axis: classes for single-label,
    labels for multi-label classification (unused for regression).
    """
    kind = task_kind(loss_id)
    if kind is TaskKind.SINGLE_LABEL:
        return SingleLabelMetrics(n_outputs, device)
    if kind is TaskKind.MULTI_LABEL:
        return MultiLabelMetrics(n_outputs, hinge=loss_id == "squared_hinge", device=device)
    return RegressionMetrics(device)


def metric_names(loss_id: str, n_outputs: int) -> list[str]:
    """The metric columns of ``history.csv`` (after epoch, train_loss, val_loss), in order."""
    kind = task_kind(loss_id)
    if kind is TaskKind.MULTI_LABEL:
        return [*CLASSIFICATION_NAMES, *(f"accuracy_label_{i}" for i in range(n_outputs))]
    if kind is TaskKind.SINGLE_LABEL:
        return list(CLASSIFICATION_NAMES)
    return list(REGRESSION_NAMES)
