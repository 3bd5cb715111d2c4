"""Saved runs in the Evaluation view without training: reopen and overlay, export,
rename/delete/duplicate/architecture, a run another process is still writing, the
plot toggles and hover read-out, and ``lossstudio plot``."""

from __future__ import annotations

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from lossstudio.app.evaluation.evaluation_view import EvaluationView  # noqa: E402
from lossstudio.app.evaluation.series import moving_average  # noqa: E402
from lossstudio.cli import main as cli_main  # noqa: E402
from lossstudio.io.examples import example_project  # noqa: E402
from lossstudio.project import Project  # noqa: E402
from lossstudio.runs import EpochRecord, RunWriter, load_run  # noqa: E402


@pytest.fixture(scope="module")
def saved_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two finished digits runs (trained headless, as another machine would)."""
    import torch

    folder = tmp_path_factory.mktemp("saved") / "runs"
    project = Project.load(example_project("digits"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: one thread is fastest, and steady on busy CPUs
    try:
        first = project.train(runs_dir=folder, epochs=3, device="cpu")
        second = project.train(runs_dir=folder, epochs=4, learning_rate=0.003, device="cpu")
    finally:
        torch.set_num_threads(threads)
    return [first.path.resolve(), second.path.resolve()]


@pytest.fixture
def view(qtbot, tmp_path: Path) -> Iterator[EvaluationView]:
    """A fresh window of another project, as after restarting the app."""
    project = Project.load(example_project("regression"))
    window = EvaluationView(project, runs_dir=tmp_path / "own-runs")
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    yield window
    window.shutdown()
    assert not window.is_training


def test_reopen_runs_offline_and_overlay_two(qtbot, view, saved_runs) -> None:
    view.open_runs_folder(saved_runs[0].parent)
    assert sorted(view.browser.model.paths()) == sorted(p.resolve() for p in saved_runs)
    with qtbot.waitSignal(view.browser.selection_changed):
        view.browser.select_runs([p.resolve() for p in saved_runs])
    shown = view.pane.runs()
    assert len(shown) == 2
    assert {series.path for series in shown} == set(saved_runs)
    for series in shown:
        run = load_run(series.path)
        x, val = view.pane.loss_plot.curve_data(series.key, "val")
        np.testing.assert_array_equal(x, run.history["epoch"])
        np.testing.assert_allclose(val, run.history["val_loss"])
    pens = {curves.val.opts["pen"].color().name() for curves in view.pane.loss_plot._shown}
    assert len(pens) == 2  # distinct colours
    legend = [label.text for _sample, label in view.pane.loss_plot.legend.items]
    assert legend == [s.name for s in shown]
    assert view.pane.predictions_plot.kind is None
    assert "2 runs compared" in view.pane.header.text()
    with qtbot.waitSignal(view.browser.selection_changed):
        view.browser.select_runs([saved_runs[0].resolve()])
    # headless runs keep the best epoch's validation predictions too
    run = load_run(saved_runs[0])
    assert view.pane.predictions_plot.kind == "confusion"
    confusion = view.pane.predictions_plot.predictions.array
    assert view.pane.predictions_plot.predictions.epoch == run.best_epoch
    assert np.trace(confusion) / confusion.sum() == pytest.approx(
        run.history["accuracy"][run.best_epoch - 1]
    )


def test_export_png_svg_and_csv(qtbot, view, saved_runs, tmp_path: Path) -> None:
    view.open_runs_folder(saved_runs[0].parent)
    view.browser.select_runs([p.resolve() for p in saved_runs])
    png = view.pane.export_png(tmp_path / "loss.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= view.pane.loss_plot.plot_widget.width()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 5  # not a blank image
    svg = view.pane.export_svg(tmp_path / "loss.svg")
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "<path" in text
    view.pane.export_png(tmp_path / "metrics.png", "metrics")
    assert not QImage(str(tmp_path / "metrics.png")).isNull()
    table = view.pane.export_csv(tmp_path / "curves.csv")
    with open(table, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 + 4
    assert list(rows[0]) == ["run_id", "run_name", "epoch", "train_loss", "val_loss",
                             "accuracy", "precision", "recall", "f1"]
    first = load_run(saved_runs[0])
    mine = [row for row in rows if row["run_id"] == first.id]
    assert [int(row["epoch"]) for row in mine] == [1, 2, 3]
    assert float(mine[2]["val_loss"]) == first.history["val_loss"][2]
    for which in ("loss", "metrics", "predictions"):
        assert view.pane.export_actions(which) == [
            "Export plot as PNG…", "Export plot as SVG…", "Export curves as CSV…"
        ]


def test_rename_delete_duplicate_and_architecture(qtbot, view, saved_runs, tmp_path) -> None:
    import shutil

    folder = tmp_path / "copies"
    shutil.copytree(saved_runs[0].parent, folder)
    view.open_runs_folder(folder)
    first, second = view.browser.model.paths()
    assert view.browser.rename_run(first, "baseline")
    row = view.browser.model.row_of(first)
    assert view.browser.model.index(row, 0).data() == "baseline"
    assert load_run(first).name == "baseline"

    view.browser.select_runs([first])
    with qtbot.waitSignal(view.duplicate_requested) as blocker:
        qtbot.mouseClick(view.browser.buttons["duplicate"], Qt.MouseButton.LeftButton)
    copy = blocker.args[0]
    assert isinstance(copy, Project) and copy.path is None
    assert set(copy.graph.nodes) == {b["id"] for b in load_run(first).project["blocks"]}
    assert copy.settings.epochs == 3 and copy.facts is not None

    dialog = view.open_architecture(first)
    assert set(dialog.view.block_ids) == set(copy.graph.nodes)
    assert dialog.view.link_count == len(copy.graph.links)
    dialog.close()

    view.browser.confirm = lambda parent, title, text: False
    assert view.browser.delete_runs([second]) == [] and second.exists()
    view.browser.confirm = lambda parent, title, text: True
    assert view.browser.delete_runs([second]) == [second]
    assert not second.exists() and view.browser.model.paths() == [first]


def test_a_run_still_being_written_refreshes_as_it_grows(qtbot, view, tmp_path) -> None:
    folder = tmp_path / "external"
    writer = RunWriter(folder, name="torchrun-job", loss="mean_squared_error",
                       metric_names=("mae",))
    writer.append(EpochRecord(1, 1.0, 1.2, {"mae": 0.9}))
    view.open_runs_folder(folder)
    [path] = view.browser.model.paths()
    view.browser.select_runs([path])
    [series] = view.pane.runs()
    assert len(series) == 1 and series.status == "running"
    writer.append(EpochRecord(2, 0.8, 0.9, {"mae": 0.7}))
    writer.append(EpochRecord(3, 0.7, 0.8, {"mae": 0.6}))

    def grown() -> None:
        view.pane.flush()
        [now] = view.pane.runs()
        assert len(now) == 3

    qtbot.waitUntil(grown, timeout=5000)  # the browser polls once a second
    writer.finish("completed")
    qtbot.waitUntil(lambda: view.pane.runs()[0].status == "completed", timeout=5000)
    row = view.browser.model.row_of(path)
    assert view.browser.model.index(row, 1).data() == "completed"


def test_runs_that_appear_or_go_keep_the_selection(qtbot, view, tmp_path) -> None:
    folder = tmp_path / "many"

    def write(name: str) -> Path:
        writer = RunWriter(folder, name=name, loss="mean_squared_error", metric_names=("mae",))
        writer.append(EpochRecord(1, 1.0, 1.2, {"mae": 0.9}))
        writer.finish("completed")
        return writer.path.resolve()

    paths = [write(f"run {index}") for index in range(3)]
    view.open_runs_folder(folder)
    view.browser.select_runs([paths[1]])
    selected = []
    view.browser.selection_changed.connect(selected.append)
    newer = write("newer")
    assert newer in view.browser.refresh()
    assert sorted(view.browser.model.paths()) == sorted([*paths, newer])
    assert view.browser.selected_paths() == [paths[1]]  # still the same run
    import shutil

    shutil.rmtree(paths[0])
    view.browser.refresh()
    assert paths[0] not in view.browser.model.paths()
    assert view.browser.selected_paths() == [paths[1]]
    assert selected == []  # the plots were not redrawn for nothing
    shutil.rmtree(paths[1])
    view.browser.refresh()
    assert view.browser.selected_paths() == []
    assert selected == [[]]  # the selected run went: the pane is told
    assert view.pane.runs() == []


def test_log_scale_smoothing_and_hover(qtbot, view, saved_runs) -> None:
    view.open_runs_folder(saved_runs[0].parent)
    longest = saved_runs[1].resolve()
    view.browser.select_runs([longest])
    plot = view.pane.loss_plot
    [series] = view.pane.runs()
    raw = series.column("val_loss")
    plot.set_smoothing(True, 3)
    _, smoothed = plot.curve_data(series.key, "val")
    np.testing.assert_allclose(smoothed, moving_average(raw, 3))
    assert smoothed[-1] == pytest.approx(raw[-3:].mean())
    plot.set_smoothing(False)
    np.testing.assert_allclose(plot.curve_data(series.key, "val")[1], raw)
    plot.set_log_scale(True)
    assert plot.item.ctrl.logYCheck.isChecked() or plot.item.getAxis("left").logMode
    plot.set_log_scale(False)

    text = plot.show_readout(2)
    assert text.startswith("epoch 2") and f"{raw[1]:.4g}" in text
    viewport = plot.plot_widget.viewport()
    target = plot.item.vb.mapViewToScene(plot.item.vb.mapToView(plot.item.vb.rect().center()))
    point = plot.plot_widget.mapFromScene(target)
    plot.readout.setText(" ")
    qtbot.mouseMove(viewport, QPoint(point.x(), point.y()))
    qtbot.waitUntil(lambda: plot.readout.text().startswith("epoch"), timeout=3000)


def test_plot_command_without_a_display(saved_runs, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    output = tmp_path / "loss.png"
    result = subprocess.run(
        [sys.executable, "-m", "lossstudio", "plot", *map(str, saved_runs), "-o", str(output)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(output))
    assert not image.isNull() and image.width() == 1800  # 900 px at 2×


def test_plot_command_csv_svg_and_errors(qtbot, saved_runs, tmp_path: Path, capsys) -> None:
    assert cli_main(["plot", str(saved_runs[0].parent), "-o", str(tmp_path / "c.csv")]) == 0
    with open(tmp_path / "c.csv", encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == 1 + 3 + 4
    assert cli_main(["plot", str(saved_runs[0]), "-o", str(tmp_path / "c.svg"),
                     "--plot", "all"]) == 0
    assert "<svg" in (tmp_path / "c.svg").read_text(encoding="utf-8")
    assert cli_main(["plot", str(saved_runs[0]), "-o", str(tmp_path / "c.txt")]) == 2
    assert cli_main(["plot", str(tmp_path / "nowhere"), "-o", str(tmp_path / "c.png")]) == 2
    assert "no such folder" in capsys.readouterr().err
