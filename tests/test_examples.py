"""Every bundled example project opens, validates clean and learns in a few epochs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lossstudio.io.examples import example_projects
from lossstudio.project import Project

EXAMPLES = example_projects()


def test_there_is_an_example_per_loss_group() -> None:
    losses = {name: Project.load(path).target().params["loss"] for name, path in EXAMPLES.items()}
    assert {"digits", "multilabel", "regression", "counts"} <= set(losses)
    assert losses["digits"] == "categorical_crossentropy"
    assert losses["multilabel"] in ("binary_crossentropy", "squared_hinge")
    assert losses["regression"] in (
        "mean_squared_error",
        "mean_absolute_error",
        "mean_squared_logarithmic_error",
    )
    assert losses["counts"] == "poisson"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_validates_clean_and_learns(name: str, tmp_path: Path) -> None:
    project = Project.load(EXAMPLES[name])
    assert project.dataset is not None
    assert project.facts is not None, "the bundled dataset did not load"
    assert [str(problem) for problem in project.validate()] == []

    beside = EXAMPLES[name].parent / "runs"
    before = sorted(beside.iterdir()) if beside.is_dir() else []
    run = project.train(runs_dir=tmp_path / "runs", epochs=3, device="cpu")
    assert run.status == "completed", run.failure
    assert run.path.parent == tmp_path / "runs"
    assert list(run.history["epoch"]) == [1, 2, 3]
    train, val = run.history["train_loss"], run.history["val_loss"]
    assert np.isfinite(train).all() and np.isfinite(val).all()
    assert val[-1] < val[0] - 0.05 * abs(val[0]), f"{name} did not learn: {list(val)}"
    assert train[-1] < train[0]
    assert run.checkpoint_path("best").is_file()
    after = sorted(beside.iterdir()) if beside.is_dir() else []
    assert after == before, "a run was written into the package"
