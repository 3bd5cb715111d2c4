"""Training from the main window: Train runs the model shown, the Evaluation tab plots
it live, Train is refused while an error stands, and closing mid-run stops the run."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from app_helpers import settle

from lossstudio.app import MainWindow
from lossstudio.io.examples import examples_dir
from lossstudio.runs import load_run

RUN_TIMEOUT = 60_000


def copy_example(tmp_path: Path, name: str = "digits") -> Path:
    """The example project and its dataset in a folder of the test (runs go beside it)."""
    source = examples_dir() / f"{name}.lsproj"
    for path in examples_dir().glob(f"{name}.*"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / source.name


def open_example(make_window, tmp_path: Path, epochs: int) -> MainWindow:  # type: ignore[no-untyped-def]
    window: MainWindow = make_window(copy_example(tmp_path))
    window.project.settings.epochs = epochs
    window.project.settings.device = "cpu"
    settle(window)
    return window


def test_train_from_the_window_plots_each_epoch(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = open_example(make_window, tmp_path, epochs=2)
    assert not window.evaluation.created  # pyqtgraph and the trainer load on first use
    assert window.evaluation.train_action.isEnabled()
    window.evaluation.train_action.trigger()
    view = window.evaluation.view()
    assert window.views.currentWidget() is view
    with qtbot.waitSignal(view.run_finished, timeout=RUN_TIMEOUT) as blocker:
        pass
    outcome = blocker.args[0]
    assert outcome.status == "completed", outcome.failure
    assert outcome.path.parent == tmp_path / "runs"
    run = load_run(outcome.path)
    assert run.status == "completed" and len(run.history) == 2
    view.pane.flush()
    [shown] = view.pane.runs()
    x, val = view.pane.loss_plot.curve_data(shown.key, "val")
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(val, run.history["val_loss"])
    assert window.evaluation.train_action.isEnabled()
    window.views.setCurrentIndex(0)
    assert window.palette_dock.isVisible() and window.properties_dock.isVisible()


def test_train_is_refused_while_an_error_stands(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = open_example(make_window, tmp_path, epochs=1)
    target = next(n for n in window.project.graph.nodes.values() if n.type == "target")
    window.project.set(target.id, loss="poisson")  # softmax outputs fit, the 0–9 labels do
    window.project.set("dense_2", activation="relu")
    settle(window)
    assert "ReLU can output 0" in window.evaluation.train_action.toolTip()
    assert not window.evaluation.train()
    assert "Fix the model before training" in window.statusBar().currentMessage()
    assert not (tmp_path / "runs").exists()


def test_closing_the_window_mid_run_records_it_stopped(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = open_example(make_window, tmp_path, epochs=500)
    assert window.evaluation.train()
    view = window.evaluation.view()
    asked: list[str] = []
    view.confirm = lambda parent, title, text: asked.append(title) or True
    with qtbot.waitSignal(view.controller.epoch_finished, timeout=RUN_TIMEOUT):
        pass
    window.close()
    assert asked == ["Training in progress"]
    assert not view.is_training
    [folder] = (tmp_path / "runs").iterdir()
    run = load_run(folder)
    assert run.status == "stopped"
    assert 1 <= len(run.history) < 500


def test_export_a_run_from_the_runs_browser(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = open_example(make_window, tmp_path, epochs=1)
    assert window.evaluation.train()
    view = window.evaluation.view()
    with qtbot.waitSignal(view.run_finished, timeout=RUN_TIMEOUT) as blocker:
        pass
    run_path = blocker.args[0].path
    view.browser.select_runs([run_path.resolve()])
    assert view.browser.buttons["export"].isEnabled()
    output = tmp_path / "digits_model.pt"
    job = view.export_model(run_path, "torchscript", output)
    with qtbot.waitSignal(job.finished, timeout=RUN_TIMEOUT) as done:
        pass
    ok, message = done.args
    assert ok, message
    assert output.is_file() and "max abs difference" in message.lower()
    assert view.progress_panel.message.text() == message
    failed = view.export_model(tmp_path / "no-such-run", "onnx", tmp_path / "x.onnx")
    with qtbot.waitSignal(failed.finished, timeout=RUN_TIMEOUT) as done:
        pass
    assert done.args[0] is False and "no-such-run" in done.args[1]


def test_an_unsaved_example_trains_into_the_app_data_folder(  # type: ignore[no-untyped-def]
    qtbot, make_window, tmp_path, monkeypatch
) -> None:
    from PySide6.QtCore import QStandardPaths

    monkeypatch.chdir(tmp_path)  # where the app was started from
    window: MainWindow = make_window()
    assert window.files.open_example(examples_dir() / "digits.lsproj")
    assert window.project.path is None  # an untitled copy
    window.project.settings.epochs = 1
    window.project.settings.device = "cpu"
    settle(window)
    assert window.evaluation.train()
    view = window.evaluation.view()
    with qtbot.waitSignal(view.run_finished, timeout=RUN_TIMEOUT) as blocker:
        pass
    outcome = blocker.args[0]
    assert outcome.status == "completed", outcome.failure
    data = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    assert outcome.path.parent == data / "runs" / "digits"
    assert not (tmp_path / "runs").exists()  # nothing written where the app was started
    assert view.browser.folder() == (data / "runs" / "digits").resolve()
