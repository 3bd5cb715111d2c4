"""``lossstudio runs [DIR]``: a table of the runs in a folder."""

from __future__ import annotations

import sys
from pathlib import Path

from lossstudio.runs import format_runs_table, list_runs


def runs_command(folder: Path) -> int:
    """Print the runs of ``folder``; exit 2 when it is not a folder."""
    if not folder.is_dir():
        print(f"lossstudio: {folder}: no such folder of runs", file=sys.stderr)
        return 2
    print(format_runs_table(list_runs(folder)))
    return 0
