"""The seven losses of SPEC §4 in torch (engine layer).

Every loss is computed per example, then averaged over the examples. A per-example
value is the mean over the example's elements where the formula says meanᵢ; the
categorical crossentropy sums over the class axis (the last axis) and averages over any
axes between the batch and the class axis.

Predictions ``ŷ`` are the outputs *after* the final activation. Where a logarithm meets
the edge of its domain, predictions are clamped with ``EPS = 1e-7`` as Keras does:

- ``categorical_crossentropy``: ``ŷ`` clamped to ``[ε, 1−ε]`` (``ŷ`` is not
  renormalised, the formula is −Σ y·log ŷ);
- ``binary_crossentropy``: ``ŷ`` clamped to ``[ε, 1−ε]``;
- ``mean_squared_logarithmic_error``: ``ŷ`` and ``y`` clamped to ``≥ ε−1`` so that
  ``log(· + 1)`` stays finite;
- ``poisson``: ``log(ŷ + ε)``.

Targets are prepared as the losses need them: categorical targets may be one-hot (the
shape of ``ŷ``) or class indices (``ŷ``'s shape without the class axis, or with a class
axis of size 1); squared-hinge targets that are all 0/1 are mapped to −1/+1.

For the pairs ``softmax → categorical_crossentropy`` and ``sigmoid →
binary_crossentropy`` ``per_example_loss_from_logits`` computes the loss from the
pre-activation values (log-softmax, log-sigmoid): the same value as the formula without
clamping, finite with finite gradients for any finite logits.

Everything is computed in the prediction's dtype; targets are cast to it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from lossstudio.engine.activations import activation_function

EPS = 1e-7
"""Clamp for predictions where a logarithm meets the edge of its domain (Keras)."""

_FUSED: frozenset[tuple[str, str]] = frozenset(
    {("categorical_crossentropy", "softmax"), ("binary_crossentropy", "sigmoid")}
)


def _mean_per_example(values: Tensor) -> Tensor:
    """Average ``values`` over every axis but the first (batch) axis."""
    return values.flatten(1).mean(dim=1) if values.dim() > 1 else values


def _float(prediction: Tensor) -> Tensor:
    return (
        prediction if prediction.is_floating_point() else prediction.to(torch.get_default_dtype())
    )


def align_target(prediction: Tensor, target: Tensor) -> Tensor:
    """Return ``target`` with ``prediction``'s shape and dtype.

    A target with the same number of elements but another shape (``(N,)`` for an
    ``(N, 1)`` prediction) is reshaped; any other mismatch raises ``ValueError``.
    """
    if target.shape != prediction.shape:
        if target.numel() != prediction.numel():
            raise ValueError(
                f"target shape {tuple(target.shape)} does not fit prediction shape "
                f"{tuple(prediction.shape)}"
            )
        target = target.reshape(prediction.shape)
    return target.to(prediction.dtype)


def is_class_index_target(prediction: Tensor, target: Tensor) -> bool:
    """True when ``target`` holds class indices for ``prediction``'s last (class) axis.

    That is, ``target`` has ``prediction``'s shape without the class axis, or with a
    class axis of size 1 while ``prediction`` has more than one class.
    """
    if prediction.dim() < 2 or target.shape == prediction.shape:
        return False
    batch_shape = prediction.shape[:-1]
    return target.shape == batch_shape or target.shape == (*batch_shape, 1)


def class_indices(prediction: Tensor, target: Tensor) -> Tensor:
    """Return integer class indices of ``target`` with ``prediction``'s shape minus the class axis.

    Index targets are reshaped; one-hot (or probability) targets give their argmax.
    """
    if is_class_index_target(prediction, target):
        return target.reshape(prediction.shape[:-1]).long()
    return align_target(prediction, target).argmax(dim=-1)


def one_hot_targets(prediction: Tensor, target: Tensor) -> Tensor:
    """Return categorical targets one-hot encoded to ``prediction``'s shape and dtype."""
    if prediction.dim() < 2:
        raise ValueError(
            "categorical_crossentropy needs predictions with a class axis, "
            f"got shape {tuple(prediction.shape)}"
        )
    if is_class_index_target(prediction, target):
        indices = target.reshape(prediction.shape[:-1]).long()
        return F.one_hot(indices, prediction.shape[-1]).to(prediction.dtype)
    return align_target(prediction, target)


def hinge_targets(target: Tensor) -> Tensor:
    """Map 0/1 targets to −1/+1; targets not all in {0, 1} are returned unchanged.

    The decision is made on the device (no host synchronisation).
    """
    if not target.is_floating_point():
        target = target.to(torch.get_default_dtype())
    zero_one = ((target == 0) | (target == 1)).all()
    return torch.where(zero_one, 2 * target - 1, target)


def _categorical_crossentropy(prediction: Tensor, target: Tensor) -> Tensor:
    y = one_hot_targets(prediction, target)
    log_p = torch.log(prediction.clamp(EPS, 1 - EPS))
    return _mean_per_example(-(y * log_p).sum(dim=-1))


def _binary_crossentropy(prediction: Tensor, target: Tensor) -> Tensor:
    y = align_target(prediction, target)
    p = prediction.clamp(EPS, 1 - EPS)
    return _mean_per_example(-(y * torch.log(p) + (1 - y) * torch.log1p(-p)))


def _squared_hinge(prediction: Tensor, target: Tensor) -> Tensor:
    y = hinge_targets(align_target(prediction, target))
    return _mean_per_example((1 - y * prediction).clamp(min=0).square())


def _mean_squared_error(prediction: Tensor, target: Tensor) -> Tensor:
    return _mean_per_example((align_target(prediction, target) - prediction).square())


def _mean_absolute_error(prediction: Tensor, target: Tensor) -> Tensor:
    return _mean_per_example((align_target(prediction, target) - prediction).abs())


def _mean_squared_logarithmic_error(prediction: Tensor, target: Tensor) -> Tensor:
    y = align_target(prediction, target)
    log_y = torch.log1p(y.clamp(min=EPS - 1))
    log_p = torch.log1p(prediction.clamp(min=EPS - 1))
    return _mean_per_example((log_y - log_p).square())


def _poisson(prediction: Tensor, target: Tensor) -> Tensor:
    y = align_target(prediction, target)
    return _mean_per_example(prediction - y * torch.log(prediction + EPS))


_LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "categorical_crossentropy": _categorical_crossentropy,
    "binary_crossentropy": _binary_crossentropy,
    "squared_hinge": _squared_hinge,
    "mean_squared_error": _mean_squared_error,
    "mean_absolute_error": _mean_absolute_error,
    "mean_squared_logarithmic_error": _mean_squared_logarithmic_error,
    "poisson": _poisson,
}

LOSS_IDS: tuple[str, ...] = tuple(_LOSSES)
"""The loss ids this module computes (the same set as the core declares)."""


def check_loss_id(loss_id: str) -> None:
    """Raise ``ValueError`` naming ``loss_id`` and the valid ids if it is unknown."""
    if loss_id not in _LOSSES:
        valid = ", ".join(LOSS_IDS)
        raise ValueError(f"unknown loss {loss_id!r}; valid losses: {valid}")


def per_example_loss(loss_id: str, prediction: Tensor, target: Tensor) -> Tensor:
    """Return the loss of each example, shape ``(N,)``, from post-activation predictions."""
    check_loss_id(loss_id)
    return _LOSSES[loss_id](_float(prediction), target)


def can_fuse(loss_id: str, activation: str) -> bool:
    """True when the pair is computed from logits in a fused, numerically stable form."""
    return (loss_id, activation) in _FUSED


def per_example_loss_from_logits(
    loss_id: str, logits: Tensor, target: Tensor, activation: str
) -> Tensor:
    """Return the loss of each example, shape ``(N,)``, from pre-activation ``logits``.

    ``softmax → categorical_crossentropy`` uses log-softmax and ``sigmoid →
    binary_crossentropy`` the log-sigmoid form, both without clamping; every other pair
    applies ``activation`` and then the loss as ``per_example_loss`` does.
    """
    check_loss_id(loss_id)
    function = activation_function(activation)
    logits = _float(logits)
    if loss_id == "categorical_crossentropy" and activation == "softmax":
        y = one_hot_targets(logits, target)
        return _mean_per_example(-(y * torch.log_softmax(logits, dim=-1)).sum(dim=-1))
    if loss_id == "binary_crossentropy" and activation == "sigmoid":
        y = align_target(logits, target)
        values = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
        return _mean_per_example(values)
    return _LOSSES[loss_id](function(logits), target)


def loss_function(loss_id: str) -> Callable[[Tensor, Tensor], Tensor]:
    """Return ``f(prediction, target)``: the mean over examples of loss ``loss_id``.

    Predictions are post-activation; the result is a scalar tensor. Unknown ids raise
    ``ValueError`` naming the id and listing the valid ids.
    """
    check_loss_id(loss_id)

    def loss(prediction: Tensor, target: Tensor) -> Tensor:
        return per_example_loss(loss_id, prediction, target).mean()

    loss.__name__ = loss_id
    loss.__doc__ = f"Mean over examples of {loss_id} (post-activation predictions)."
    return loss
