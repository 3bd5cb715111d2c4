"""The dataset is read in the background; its features then drive editors and shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import build_model, settle
from PySide6.QtWidgets import QComboBox

from lossstudio.app import MainWindow
from lossstudio.app.canvas import BlockState
from lossstudio.io.examples import example_projects
from lossstudio.project import Project


def _csv_project(folder: Path, rows: int = 30) -> Path:
    data = folder / "counts.csv"
    lines = ["x,y"] + [f"{index / rows:.3f},{index % 4}" for index in range(rows)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = Project()
    ids = build_model(project, loss="poisson", last_activation="softplus")
    project.dataset = None
    path = folder / "counts.lsproj"
    project.save(path)
    text = path.read_text(encoding="utf-8").replace(
        '"dataset": null', '"dataset": {"path": "counts.csv", "features": {}}')
    path.write_text(text, encoding="utf-8")
    assert ids
    return path


def test_opening_reads_the_dataset_in_the_background(make_window, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     qtbot) -> None:
    path = _csv_project(tmp_path)
    window = make_window()
    with qtbot.waitSignal(window.document.data_loader.loaded, timeout=20_000):
        assert window.files.open_path(path)
        assert window.project.facts is None
    assert window.project.facts is not None and set(window.project.facts) == {"x", "y"}
    settle(window)
    assert window.canvas.item_for("dense_1").shape_text == "→ (64,)"
    assert window.canvas.item_for("target_1").state is BlockState.OK
    window.reveal_block("input_1")
    combo = window.properties.editors["feature"].findChild(QComboBox)
    assert combo is not None and combo.count() == 2
    assert combo.currentData() == "x"
    assert "Dataset loaded" in window.statusBar().currentMessage()


def test_a_missing_dataset_is_reported_not_raised(make_window, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  qtbot) -> None:
    path = _csv_project(tmp_path)
    (tmp_path / "counts.csv").unlink()
    window = make_window()
    with qtbot.waitSignal(window.document.data_loader.loaded, timeout=20_000):
        assert window.files.open_path(path)
    assert window.project.facts is None
    assert "could not be read" in window.statusBar().currentMessage()
    assert len(window.project.graph.nodes) == 4


@pytest.mark.parametrize("name", sorted(example_projects()))
def test_bundled_examples_open_without_errors(make_window, qtbot, name: str) -> None:  # type: ignore[no-untyped-def]
    window: MainWindow = make_window()
    with qtbot.waitSignal(window.document.data_loader.loaded, timeout=30_000):
        assert window.files.open_example(example_projects()[name])
    settle(window)
    assert window.project.facts, window.statusBar().currentMessage()
    assert window.training_refusal() is None, window.training_refusal()
    assert all(item.state is not BlockState.ERROR for item in window.scene.blocks.values())
