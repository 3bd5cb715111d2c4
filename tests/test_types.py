"""mypy --strict holds for the layers below the app (part of the test command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRICT = ["lossstudio/core", "lossstudio/io", "lossstudio/data", "lossstudio/runs",
          "lossstudio/engine", "lossstudio/project.py"]


def test_mypy_strict_reports_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *STRICT],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
