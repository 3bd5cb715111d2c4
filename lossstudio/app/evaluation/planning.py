"""What the Evaluation view works out from a project before training (app layer).

Where its runs go (``default_runs_dir``), why Train is disabled (``train_blocker``)
and which metric columns a run will report (``expected_metrics``, so the plots are
made before the run starts).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStandardPaths

from lossstudio.app.evaluation.metric_plots import CLASSIFICATION, REGRESSION
from lossstudio.app.files import EXAMPLE_SUFFIX
from lossstudio.core.validator import Analysis, Severity
from lossstudio.io.examples import examples_dir

if TYPE_CHECKING:
    from lossstudio.project import Project


def default_runs_dir(project: Project, untitled_name: str = "Untitled") -> Path:
    """``runs/`` beside the project file. A bundled example (whose folder belongs to the
    installation) and a project never saved (``untitled_name``, e.g. "digits (example)")
    use a folder of the user's application data instead, never the working folder."""
    path = project.path
    if path is not None:
        try:
            Path(path).resolve().relative_to(examples_dir().resolve())
        except ValueError:
            return project.default_runs_dir()
        return app_runs_dir() / Path(path).stem
    return app_runs_dir() / folder_name(untitled_name.removesuffix(EXAMPLE_SUFFIX))


def app_runs_dir() -> Path:
    """The folder of runs kept in the user's application data."""
    data = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(data or Path.home() / ".lossstudio") / "runs"


def folder_name(name: str) -> str:
    """``name`` as a folder name: letters, digits, spaces, ``-``, ``_`` and ``.`` kept."""
    kept = "".join(c if c.isalnum() or c in " -_." else "_" for c in name).strip(" .")
    return kept or "Untitled"


def expected_metrics(snapshot: Mapping[str, Any], analysis: Analysis | None) -> tuple[str, ...]:
    """The metric columns a run of ``snapshot`` will report (as the engine names them),
    so the plots can be made before the run starts."""
    from lossstudio.core.losses import LOSSES, TaskKind

    blocks = [b for b in snapshot.get("blocks", []) if isinstance(b, dict)]
    target = next((b for b in blocks if b.get("type") == "target"), None)
    loss = LOSSES.get(str((target or {}).get("params", {}).get("loss")))
    if loss is None:
        return ()
    if loss.task is TaskKind.REGRESSION:
        return REGRESSION
    if loss.task is TaskKind.SINGLE_LABEL:
        return CLASSIFICATION
    source = next(
        (link.get("source") for link in snapshot.get("links", [])
         if isinstance(link, dict) and link.get("target") == (target or {}).get("id")),
        None,
    )
    shape = analysis.shapes.get(str(source)) if analysis is not None and source else None
    labels = int(shape[-1]) if shape else 0
    return (*CLASSIFICATION, *(f"accuracy_label_{i}" for i in range(labels)))


def train_blocker(project: Project, analysis: Analysis | None) -> str:
    """Why training cannot start now ("" when it can)."""
    if project.dataset is None:
        return "Attach a dataset before training."
    if analysis is None:
        return ""
    errors = [p for p in analysis.problems if p.severity is Severity.ERROR]
    if not errors:
        return ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"Fix the model first: {errors[0].message}{more}"
