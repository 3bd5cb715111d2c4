"""``lossstudio plot RUN_DIR... -o FILE``: saved runs' curves as PNG, SVG or CSV.

No display is needed. CSV is written here from the runs' ``history.csv`` files (one row
per run and epoch: ``run_id, run_name, epoch, train_loss, val_loss`` and every metric
any run has). Images are drawn by the Evaluation view's own plot code: this layer sits
below the app, so the command line passes that renderer in (``render``) and the app is
imported only for images. A folder of runs may be given instead of run folders.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from lossstudio.runs import load_run, read_history
from lossstudio.runs.record import HISTORY_CSV, RUN_JSON

FORMATS = (".png", ".svg", ".csv")
PLOTS = ("loss", "metrics", "predictions", "all")
Renderer = Callable[[Sequence[Path], Path, str, tuple[int, int]], Path]


class Curves(Protocol):
    """What the CSV writer needs of a run (the app's ``RunSeries`` has it too)."""

    @property
    def run_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def metric_names(self) -> tuple[str, ...]: ...
    @property
    def epochs(self) -> np.ndarray: ...
    def column(self, name: str) -> np.ndarray: ...


class HistoryCurves:
    """A saved run's history as ``Curves``."""

    def __init__(self, path: Path) -> None:
        run = load_run(path)
        self.run_id = run.id
        self.name = run.name
        self._history, _ = read_history(Path(path) / HISTORY_CSV)
        self.metric_names = self._history.metric_names

    @property
    def epochs(self) -> np.ndarray:
        return self.column("epoch")

    def column(self, name: str) -> np.ndarray:
        values = self._history.get(name)
        if values is None:
            return np.full(len(self._history), math.nan)
        return np.asarray(values, dtype=np.float64)


def write_curves_csv(runs: Sequence[Curves], path: Path) -> Path:
    """Write the per-epoch values of ``runs`` as one long table."""
    metrics: list[str] = []
    for run in runs:
        metrics.extend(name for name in run.metric_names if name not in metrics)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["run_id", "run_name", "epoch", "train_loss", "val_loss", *metrics])
        for run in runs:
            columns = [run.column(name) for name in ("train_loss", "val_loss", *metrics)]
            for row, epoch in enumerate(run.epochs):
                cells = ["" if math.isnan(c[row]) else repr(float(c[row])) for c in columns]
                writer.writerow([run.run_id, run.name, int(epoch), *cells])
    return Path(path)


def is_run_folder(path: Path) -> bool:
    """True for a folder holding ``run.json`` or ``history.csv``."""
    return (path / RUN_JSON).is_file() or (path / HISTORY_CSV).is_file()


def expand_runs(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Run folders of ``paths`` (a folder of runs gives all its runs), and the problems."""
    runs: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if not path.is_dir():
            problems.append(f"{path}: no such folder")
        elif is_run_folder(path):
            runs.append(path)
        else:
            inner = sorted(p for p in path.iterdir() if p.is_dir() and is_run_folder(p))
            if inner:
                runs.extend(inner)
            else:
                problems.append(f"{path}: not a run folder and holds no runs")
    return runs, problems


def needs_offscreen() -> bool:
    """True when no display is there and no Qt platform was chosen."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if not sys.platform.startswith("linux"):
        return False  # Windows and macOS always have their own platform plugin
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def plot_command(
    run_dirs: Sequence[Path],
    output: Path,
    *,
    plot: str = "loss",
    size: tuple[int, int] = (900, 560),
    render: Renderer | None = None,
) -> int:
    """Write the curves of ``run_dirs`` to ``output`` (.png, .svg or .csv); 0 on success,
    2 on bad input."""
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        print(f"lossstudio: {output}: the output must end in .png, .svg or .csv",
              file=sys.stderr)
        return 2
    if plot not in PLOTS:
        print(f"lossstudio: --plot must be one of {', '.join(PLOTS)}", file=sys.stderr)
        return 2
    runs, problems = expand_runs([Path(p) for p in run_dirs])
    for problem in problems:
        print(f"lossstudio: {problem}", file=sys.stderr)
    if problems or not runs:
        if not runs and not problems:
            print("lossstudio: no runs given", file=sys.stderr)
        return 2
    if output.parent and not output.parent.exists():
        print(f"lossstudio: {output.parent}: no such folder", file=sys.stderr)
        return 2
    if suffix == ".csv":
        write_curves_csv([HistoryCurves(path) for path in runs], output)
    else:
        if render is None:
            print("lossstudio: images need the app's renderer", file=sys.stderr)
            return 2
        render(runs, output, plot, size)
    print(f"wrote {output} ({len(runs)} run{'s' if len(runs) != 1 else ''})")
    return 0
