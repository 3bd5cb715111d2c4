"""Where the bundled example projects are (io layer).

The examples ship inside the package as ``lossstudio.resources``; each example is a
``.lsproj`` file beside its dataset in ``examples/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_EXAMPLE = "digits"


def examples_dir() -> Path:
    """The folder of the bundled examples."""
    return Path(str(resources.files("lossstudio.resources"))) / "examples"


def example_projects() -> dict[str, Path]:
    """Every bundled example project by name (file stem), sorted."""
    return {path.stem: path for path in sorted(examples_dir().glob("*.lsproj"))}


def example_project(name: str = DEFAULT_EXAMPLE) -> Path:
    """The bundled project ``name``; ``KeyError`` lists the names otherwise."""
    projects = example_projects()
    if name not in projects:
        raise KeyError(f"no bundled example {name!r}; examples: {', '.join(projects)}")
    return projects[name]
