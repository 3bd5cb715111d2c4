"""LossStudio: design, train and evaluate neural networks by wiring blocks on a canvas.

The scripting API (SPEC §9): ``Project`` and ``loss_function``. Importing this package
imports neither Qt nor torch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lossstudio._version import __version__
from lossstudio.core.validator import Problem
from lossstudio.project import Project

if TYPE_CHECKING:
    import torch

__all__ = ["Project", "Problem", "loss_function", "__version__"]


def loss_function(loss_id: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss ``loss_id`` as ``(prediction, target) -> scalar tensor`` (SPEC §4).

    ``prediction`` is the model output after the last activation; the result is the
    mean over examples of the per-example loss. Imports torch.
    """
    from lossstudio.engine.losses import loss_function as engine_loss_function

    return engine_loss_function(loss_id)
