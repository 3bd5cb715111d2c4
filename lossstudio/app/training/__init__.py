"""Training from the window (app layer): run settings editor, the worker thread and its
controller, and the progress bar.

Nothing here imports torch at import time: the worker imports the engine inside its
``run`` method, on the training thread, when the user presses Train.
"""

from __future__ import annotations

from lossstudio.app.training.controller import TrainingController
from lossstudio.app.training.messages import RunOutcome, RunStarted, TrainingProgress
from lossstudio.app.training.progress import ProgressPanel
from lossstudio.app.training.settings_panel import RunSettingsPanel

__all__ = [
    "ProgressPanel",
    "RunOutcome",
    "RunSettingsPanel",
    "RunStarted",
    "TrainingController",
    "TrainingProgress",
]
