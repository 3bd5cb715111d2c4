"""Optimizers and learning-rate schedules of SPEC §7 from the run settings (engine layer)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from lossstudio.core.settings import RunSettings


def make_optimizer(
    settings: RunSettings, parameters: Iterable[nn.Parameter]
) -> torch.optim.Optimizer:
    """The optimizer named in ``settings`` with its own parameters."""
    params = [p for p in parameters if p.requires_grad]
    lr, decay = settings.learning_rate, settings.weight_decay
    betas = (settings.beta_1, settings.beta_2)
    eps = settings.epsilon
    name = settings.optimizer
    if name in ("adam", "amsgrad"):
        return torch.optim.Adam(
            params, lr, betas=betas, eps=eps, weight_decay=decay, amsgrad=name == "amsgrad"
        )
    if name == "adamw":
        return torch.optim.AdamW(params, lr, betas=betas, eps=eps, weight_decay=decay)
    if name == "adamax":
        return torch.optim.Adamax(params, lr, betas=betas, eps=eps, weight_decay=decay)
    if name == "nadam":
        return torch.optim.NAdam(params, lr, betas=betas, eps=eps, weight_decay=decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(
            params,
            lr,
            alpha=settings.rho,
            eps=eps,
            momentum=settings.momentum,
            weight_decay=decay,
        )
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr, rho=settings.rho, eps=eps, weight_decay=decay)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr, eps=eps, weight_decay=decay)
    if name == "sgd":
        return torch.optim.SGD(
            params,
            lr,
            momentum=settings.momentum,
            nesterov=settings.nesterov and settings.momentum > 0,
            weight_decay=decay,
        )
    raise ValueError(f"unknown optimizer {name!r}")


def make_schedule(
    settings: RunSettings, optimizer: torch.optim.Optimizer
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-batch schedule: ``lr · decay_rate ** (step / decay_steps)``, or ``None``."""
    if settings.lr_schedule == "none":
        return None
    rate, steps = settings.decay_rate, settings.decay_steps
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: rate ** (step / steps))
