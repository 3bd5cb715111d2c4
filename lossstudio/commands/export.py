"""``lossstudio export PROJECT --run RUN --format F -o FILE``: a trained model out of the app.

The run folder may be given as a path, or by its name in the project's ``runs/`` folder;
without ``--run`` the newest run there that has a checkpoint is exported. When the data
file recorded in the run has moved, the project's dataset is used instead. Every
problem is one line on stderr (exit 1; 2 when the project or the run cannot be found).
"""

from __future__ import annotations

import sys
from pathlib import Path

from lossstudio.data import DataError
from lossstudio.io.errors import ProjectFileError
from lossstudio.project import Project
from lossstudio.runs import RunFileError, list_runs, load_run

FORMATS: tuple[str, ...] = ("onnx", "torchscript", "python")
SUFFIXES: dict[str, str] = {"onnx": ".onnx", "torchscript": ".pt", "python": ".py"}


class _Refused(Exception):
    """The command cannot find what it needs; the message is for the user."""


def export_command(
    project_path: Path,
    *,
    run: Path | None,
    fmt: str,
    output: Path | None,
    checkpoint: str = "best",
) -> int:
    """Export a run of ``project_path``; 0 when written and checked, 1 or 2 otherwise."""
    try:
        project = Project.load(project_path)
        run_dir = resolve_run(project, run, checkpoint)
    except (ProjectFileError, RunFileError, _Refused) as error:
        print(f"lossstudio: {error}", file=sys.stderr)
        return 2
    target = output if output is not None else Path(f"{run_dir.name}{SUFFIXES.get(fmt, '')}")
    from lossstudio.engine.export import ExportError, export_run

    try:
        report = export_run(
            run_dir, fmt, target, "last" if checkpoint == "last" else "best",
            dataset_path=_moved_dataset(project, run_dir),
        )
    except (ExportError, DataError) as error:
        print(f"lossstudio: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    if fmt == "python":
        print(f"train it with plain PyTorch: python {target} --epochs N")
    return 0


def resolve_run(project: Project, run: Path | None, checkpoint: str = "best") -> Path:
    """The run folder: ``run`` as a path or a name under the project's runs folder, or
    the newest run there with a ``checkpoint`` checkpoint."""
    runs_dir = project.default_runs_dir()
    if run is not None:
        for candidate in (run, runs_dir / run):
            if candidate.is_dir():
                return candidate
        raise _Refused(f"{run}: no such run folder (looked also in {runs_dir})")
    if not runs_dir.is_dir():
        raise _Refused(f"{runs_dir}: no runs yet; train the project first or give --run")
    for summary in reversed(list_runs(runs_dir)):
        folder = runs_dir / summary.id
        if load_run(folder).checkpoint_path("last" if checkpoint == "last" else "best").is_file():
            return folder
    raise _Refused(f"no run in {runs_dir} has a {checkpoint} checkpoint; train the project first")


def _moved_dataset(project: Project, run_dir: Path) -> Path | None:
    """The project's dataset file when the one the run recorded no longer exists."""
    try:
        recorded = (load_run(run_dir).project.get("dataset") or {}).get("path")
    except (RunFileError, OSError):
        return None
    if recorded and Path(recorded).is_file():
        return None
    if project.dataset is not None and Path(project.dataset.path).is_file():
        return Path(project.dataset.path)
    return None
