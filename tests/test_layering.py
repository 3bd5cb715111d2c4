"""The layers of ARCHITECTURE.md hold: no Qt below the app, no torch/numpy in core and io.

Imports are checked in fresh interpreters (this test process has other modules loaded),
and the import-linter contracts of ``pyproject.toml`` are run as the build runs them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    names = json.loads(sys.argv[1])
    walk = json.loads(sys.argv[2])
    imported = []
    for name in names:
        importlib.import_module(name)
        imported.append(name)
    for name in walk:
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__, name + "."):
            importlib.import_module(info.name)
            imported.append(info.name)
    roots = sorted({module.split(".")[0] for module in sys.modules})
    print(json.dumps({"imported": imported, "roots": roots}))
    """
)


def loaded_roots(names: list[str], walk: list[str] = ()) -> tuple[list[str], set[str]]:
    """Import ``names`` (and every submodule of ``walk``) in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(names), json.dumps(list(walk))],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["imported"], set(report["roots"])


QT = {"PySide6", "pyqtgraph", "shiboken6"}


def test_nothing_below_the_app_loads_qt() -> None:
    packages = ["lossstudio.core", "lossstudio.io", "lossstudio.data", "lossstudio.runs",
                "lossstudio.engine"]
    imported, roots = loaded_roots(
        ["lossstudio", *packages, "lossstudio.project", "lossstudio.cli"], walk=packages
    )
    engine_modules = [name for name in imported if name.startswith("lossstudio.engine.")]
    assert "lossstudio.engine.losses" in engine_modules  # the walk found the submodules
    assert "torch" in roots  # the probe sees third-party imports (the engine uses torch)
    assert not roots & QT, sorted(roots & QT)


def test_the_scripting_api_loads_no_torch() -> None:
    _imported, roots = loaded_roots(["lossstudio", "lossstudio.project"])
    assert "torch" not in roots
    assert not roots & QT


def test_core_and_io_load_no_torch_and_no_numpy() -> None:
    imported, roots = loaded_roots(
        ["lossstudio", "lossstudio.core", "lossstudio.io"],
        walk=["lossstudio.core", "lossstudio.io"],
    )
    assert "lossstudio.core.validator" in imported and "lossstudio.io.project_file" in imported
    forbidden = {"torch", "numpy"} | QT
    assert not roots & forbidden, sorted(roots & forbidden)


def test_validate_command_loads_no_torch(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from lossstudio.cli import main\n"
        f"code = main(['validate', {str(tmp_path / 'p.lsproj')!r}])\n"
        "assert 'torch' not in sys.modules and 'PySide6' not in sys.modules\n"
        "print('exit', code)\n"
    )
    (tmp_path / "p.lsproj").write_text(
        '{"format": "lossstudio.project", "schema_version": 1}', encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "exit 1" in result.stdout


def _lint_imports() -> list[str]:
    binary = Path(sys.executable).parent / "lint-imports"
    if binary.exists():
        return [str(binary)]
    found = shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports (import-linter) is not installed")
    return [found]


def test_import_linter_contracts_are_kept() -> None:
    result = subprocess.run(
        [*_lint_imports(), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 broken" in output
    assert "3 kept" in output or " kept" in output
