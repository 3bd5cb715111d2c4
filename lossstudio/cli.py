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

    export = commands.add_parser(
        "export", help="export a run's model as ONNX, TorchScript or a standalone Python file"
    )
    export.add_argument("project", type=Path)
    export.add_argument("--run", type=Path,
                        help="run folder, or its name in runs/ (default: the newest run)")
    export.add_argument("--format", required=True, choices=("onnx", "torchscript", "python"))
    export.add_argument("-o", "--output", type=Path,
                        help="file to write (default: the run's name with the format's suffix)")
    export.add_argument("--checkpoint", choices=("best", "last"), default="best")

    plot = commands.add_parser("plot", help="draw saved runs' curves to PNG, SVG or CSV")
    plot.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR",
                      help="run folders (or a folder of runs)")
    plot.add_argument("-o", "--output", type=Path, required=True,
                      help="file to write: .png, .svg or .csv")
    plot.add_argument("--plot", choices=("loss", "metrics", "predictions", "all"),
                      default="loss", help="what to draw (images only; default: loss)")
    plot.add_argument("--size", help="image size WIDTHxHEIGHT (default 900x560; 1300x900 "
                      "with --plot all)")
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
    if args.command == "export":
        from lossstudio.commands.export import export_command

        return export_command(args.project, run=args.run, fmt=args.format, output=args.output,
                              checkpoint=args.checkpoint)
    if args.command == "plot":
        return plot_main(args)
    return open_app(args.project if args.command == "open" else None)


def plot_main(args: argparse.Namespace) -> int:
    """``lossstudio plot``: the app's plot code draws images, offscreen without a display."""
    import os

    from lossstudio.commands.plot import needs_offscreen, plot_command

    size = args.size or ("1300x900" if args.plot == "all" else "900x560")
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        print(f"lossstudio: --size must be WIDTHxHEIGHT, not {args.size!r}", file=sys.stderr)
        return 2

    def render(paths: Sequence[Path], output: Path, plot: str, size: tuple[int, int]) -> Path:
        if needs_offscreen():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from lossstudio.app.evaluation.render import render_runs

        return render_runs(paths, output, plot, size)

    return plot_command(args.runs, args.output, plot=args.plot, size=(width, height),
                        render=render)


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
