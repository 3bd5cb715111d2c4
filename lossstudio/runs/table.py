"""Plain-text table of runs for ``lossstudio runs [DIR]`` (runs layer, standard library).

Numbers are right-aligned, a missing value is ``-``, times are UTC. Runs with a
problem (such as a corrupt ``run.json``) are listed, and their problems are written
below the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from .reader import RunSummary

__all__ = ["format_runs_table"]

_HEADERS = (
    "NAME",
    "ID",
    "STATUS",
    "LOSS",
    "BEST VAL LOSS",
    "BEST EPOCH",
    "EPOCHS",
    "STARTED (UTC)",
)
_RIGHT = {"BEST VAL LOSS", "BEST EPOCH", "EPOCHS"}
_MAX_NAME = 32
_GAP = "  "


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _time(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"


def _row(summary: RunSummary) -> tuple[str, ...]:
    best = summary.best_val_loss
    return (
        _clip(summary.name, _MAX_NAME),
        summary.id,
        str(summary.status),
        summary.loss or "-",
        "-" if best is None else f"{best:.6g}",
        "-" if summary.best_epoch is None else str(summary.best_epoch),
        "-" if summary.epochs_done is None else str(summary.epochs_done),
        _time(summary.started),
    )


def format_runs_table(summaries: Sequence[RunSummary]) -> str:
    """The runs as an aligned text table (one line per run, in the order given).

    Returns ``"No runs."`` for an empty sequence. The text ends without a newline.
    """
    if not summaries:
        return "No runs."
    rows = [_HEADERS, *(_row(summary) for summary in summaries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if header in _RIGHT else cell.ljust(width)
            for cell, width, header in zip(row, widths, _HEADERS, strict=True)
        ]
        lines.append(_GAP.join(cells).rstrip())
    lines.insert(1, _GAP.join("-" * width for width in widths))
    problems = [s for s in summaries if s.problem]
    if problems:
        lines.append("")
        lines.append("Problems:")
        lines.extend(f"  {s.id}: {s.problem}" for s in problems)
    return "\n".join(lines)
