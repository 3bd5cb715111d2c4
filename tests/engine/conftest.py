"""Fixtures of the engine tests (builders live in ``engine_builders``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from engine_builders import BlockDef, regression_project

from lossstudio.project import Project


@pytest.fixture
def new_regression_project(tmp_path: Path) -> Callable[..., Project]:
    """Factory: ``new_regression_project(blocks=…, n=…, **settings)`` in ``tmp_path``."""

    def factory(
        blocks: Sequence[BlockDef] = (("dense", {"units": 1, "activation": "linear"}),),
        **kwargs: Any,
    ) -> Project:
        return regression_project(tmp_path, blocks, **kwargs)

    return factory
