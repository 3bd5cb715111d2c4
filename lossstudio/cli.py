"""The ``lossstudio`` command line (SPEC §9): argument parsing and dispatch.

Each command's work is imported when it runs: ``validate`` never imports torch, and
the desktop app is imported only for ``open`` or no command at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="lossstudio",
        description="Design, train and evaluate neural networks by wiring blocks.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    opened = commands.add_parser("open", help="open a project in the app")
    opened.add_argument("project", type=Path)

    validate = commands.add_parser("validate", help="check a project; exit 1 on any error")
    validate.add_argument("project", type=Path)
    validate.add_argument("--json", action="store_true", help="print the problems as JSON")

    train = commands.add_parser("train", help="train a project headless (also under torchrun)")
    train.add_argument("project", type=Path)
    train.add_argument("--epochs", type=int)
    train.add_argument("--runs", type=Path, help="runs folder (default: runs/ beside the project)")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"))

    runs = commands.add_parser("runs", help="table of runs with their best validation loss")
    runs.add_argument("folder", type=Path, nargs="?", default=Path("runs"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return validate_command(args.project, as_json=args.json)
    if args.command == "train":
        from lossstudio.commands.train import train_command

        return train_command(args.project, epochs=args.epochs, runs=args.runs, device=args.device)
    if args.command == "runs":
        from lossstudio.commands.runs import runs_command

        return runs_command(args.folder)
    return open_app(args.project if args.command == "open" else None)


def open_app(project: Path | None) -> int:
    """Start the desktop app (imported only now)."""
    from lossstudio.app.main import run_app

    return run_app(project)


def validate_command(path: Path, as_json: bool) -> int:
    """``lossstudio validate``: 0 when no error stands, 1 when one does, 2 when unreadable."""
    from lossstudio.data import DataError
    from lossstudio.io.errors import ProjectFileError
    from lossstudio.project import Project

    try:
        project = Project.load(path)
        if project.dataset is not None:
            project.load_dataset()
    except (ProjectFileError, DataError) as error:
        print(f"lossstudio: {error}", file=sys.stderr)
        return 2
    problems = project.validate()
    if as_json:
        rows = [
            {"node_id": p.node_id, "severity": str(p.severity), "code": p.code,
             "message": p.message}
            for p in problems
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            print(problem)
        errors = sum(problem.severity == "error" for problem in problems)
        warnings = len(problems) - errors
        print(f"{path}: {errors} error(s), {warnings} warning(s)" if problems
              else f"{path}: no problems")
    return 1 if any(problem.severity == "error" for problem in problems) else 0
