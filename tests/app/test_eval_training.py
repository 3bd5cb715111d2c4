"""Training from the Evaluation view: a real run, stop, pause, close mid-run, a failing
run, Train disabled by the validator, and the snapshot kept apart from later edits."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from lossstudio.app.evaluation.evaluation_view import EvaluationView  # noqa: E402
from lossstudio.core.project_model import DatasetRef  # noqa: E402
from lossstudio.io.examples import example_project  # noqa: E402
from lossstudio.project import Project  # noqa: E402
from lossstudio.runs import load_run  # noqa: E402

RUN_TIMEOUT = 60_000


def example(name: str = "digits", **settings: object) -> Project:
    project = Project.load(example_project(name))
    project.settings.device = "cpu"
    for key, value in settings.items():
        setattr(project.settings, key, value)
    return project


@pytest.fixture
def make_view(qtbot, tmp_path: Path) -> Iterator:
    """Views made by the test; fails the test if one still trains or is left shown."""
    views: list[EvaluationView] = []

    def make(project: Project, top_level: bool = False) -> EvaluationView:
        view = EvaluationView(project, runs_dir=tmp_path / "runs")
        qtbot.addWidget(view)
        view.resize(1200, 800)
        if top_level:
            view.show()
        views.append(view)
        return view

    yield make
    running = [view for view in views if view.is_training]
    for view in views:
        view.shutdown()
    assert not running, "a test left a training thread running"


def finish(qtbot, view: EvaluationView):
    with qtbot.waitSignal(view.run_finished, timeout=RUN_TIMEOUT) as blocker:
        pass
    return blocker.args[0]


def test_train_two_epochs_from_the_window(qtbot, make_view) -> None:
    view = make_view(example(epochs=2), top_level=True)
    assert view.progress_panel.train_button.isEnabled()
    with qtbot.waitSignal(view.run_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(view.progress_panel.train_button, Qt.MouseButton.LeftButton)
    outcome = blocker.args[0]
    assert outcome.status == "completed", outcome.failure
    run = load_run(outcome.path)
    assert run.status == "completed" and run.epochs_done == 2
    assert (outcome.path / "checkpoints" / "best.pt").is_file()
    confusion = np.load(outcome.path / "predictions" / "best_confusion.npy", allow_pickle=False)
    best_row = int(np.nonzero(run.history["epoch"] == run.best_epoch)[0][0])
    assert confusion.shape == (10, 10)  # the best epoch's validation predictions:
    assert np.trace(confusion) / confusion.sum() == pytest.approx(
        run.history["accuracy"][best_row]
    )

    view.pane.flush()
    [shown] = view.pane.runs()
    x, train = view.pane.loss_plot.curve_data(shown.key, "train")
    _, val = view.pane.loss_plot.curve_data(shown.key, "val")
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(train, run.history["train_loss"])
    np.testing.assert_allclose(val, run.history["val_loss"])
    best_x, best_y = view.pane.loss_plot.curve_data(shown.key, "best")
    assert best_x[0] == run.best_epoch and best_y[0] == pytest.approx(run.best_val_loss)
    assert view.pane.metric_plots.metric_keys == ["accuracy", "precision", "recall", "f1"]
    mx, accuracy = view.pane.metric_plots.curve_data(shown.key, "accuracy")
    np.testing.assert_allclose(accuracy, run.history["accuracy"])
    assert view.pane.predictions_plot.kind == "confusion"
    np.testing.assert_array_equal(view.pane.predictions_plot.predictions.array, confusion)
    assert view.progress_panel.bar.value() == view.progress_panel.bar.maximum()
    assert view.browser.selected_paths() == [outcome.path.resolve()]
    assert "completed" in view.pane.header.text()


def test_a_fresh_window_shows_the_saved_run_offline(qtbot, make_view, tmp_path) -> None:
    view = make_view(example(epochs=2))
    assert view.train()
    outcome = finish(qtbot, view)
    view.shutdown()
    other = Project.load(example_project("regression"))
    fresh = EvaluationView(other, runs_dir=tmp_path / "elsewhere")
    qtbot.addWidget(fresh)
    fresh.open_runs_folder(outcome.path.parent)
    fresh.browser.select_runs([outcome.path.resolve()])
    [series] = fresh.pane.runs()
    assert series.status == "completed" and len(series) == 2
    fresh.pane.flush()
    assert fresh.pane.predictions_plot.kind == "confusion"
    assert fresh.pane.predictions_plot.predictions.epoch == load_run(outcome.path).best_epoch
    fresh.shutdown()


def test_stop_mid_run_records_stopped(qtbot, make_view) -> None:
    view = make_view(example(epochs=500))
    with qtbot.waitSignal(view.controller.epoch_finished, timeout=RUN_TIMEOUT):
        assert view.train()
    assert view.progress_panel.stop_button.isEnabled()
    with qtbot.waitSignal(view.run_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.mouseClick(view.progress_panel.stop_button, Qt.MouseButton.LeftButton)
    outcome = blocker.args[0]
    assert outcome.status == "stopped"
    run = load_run(outcome.path)
    assert run.status == "stopped" and 1 <= run.epochs_done < 500
    assert not view.is_training and view.progress_panel.train_button.isEnabled()


def test_pause_and_resume(qtbot, make_view) -> None:
    view = make_view(example(epochs=500))
    with qtbot.waitSignal(view.controller.epoch_finished, timeout=RUN_TIMEOUT):
        view.train()
    with qtbot.waitSignal(view.controller.status_changed, timeout=RUN_TIMEOUT,
                          check_params_cb=lambda status: status == "paused"):
        qtbot.mouseClick(view.progress_panel.pause_button, Qt.MouseButton.LeftButton)
    assert view.progress_panel.pause_button.text() == "Resume"
    assert load_run(view.live.path).status == "paused"
    with qtbot.waitSignal(view.controller.status_changed, timeout=RUN_TIMEOUT,
                          check_params_cb=lambda status: status == "running"):
        qtbot.mouseClick(view.progress_panel.pause_button, Qt.MouseButton.LeftButton)
    view.stop()
    assert finish(qtbot, view).status == "stopped"


def test_closing_the_window_mid_run_stops_it_cleanly(qtbot, qtlog, make_view) -> None:
    view = make_view(example(epochs=500), top_level=True)
    asked: list[str] = []
    view.confirm = lambda parent, title, text: asked.append(title) or True
    with qtbot.waitSignal(view.controller.epoch_finished, timeout=RUN_TIMEOUT):
        view.train()
    path = view.live.path
    assert view.close()
    assert asked == ["Training in progress"]
    assert not view.is_training and not view.isVisible()
    run = load_run(path)
    assert run.status == "stopped" and run.ended is not None
    assert not [r for r in qtlog.records if "QThread" in r.message]


def test_closing_can_be_refused(qtbot, make_view) -> None:
    view = make_view(example(epochs=500), top_level=True)
    view.confirm = lambda parent, title, text: False
    with qtbot.waitSignal(view.controller.epoch_finished, timeout=RUN_TIMEOUT):
        view.train()
    assert not view.close()
    assert view.is_training and view.isVisible()
    assert view.confirm_close() is False
    view.stop()
    assert finish(qtbot, view).status == "stopped"


def test_a_run_that_turns_nan_fails_with_its_reason(qtbot, make_view) -> None:
    view = make_view(example("regression", epochs=3, optimizer="sgd", learning_rate=10.0))
    assert view.train()
    outcome = finish(qtbot, view)
    assert outcome.status == "failed"
    assert "learning rate 10 may be too high" in outcome.failure
    assert "learning rate 10" in view.progress_panel.message.text()
    row = view.browser.model.row_of(outcome.path.resolve())
    assert row is not None
    status = view.browser.model.index(row, 1)
    assert status.data() == "failed"
    assert "too high" in status.data(Qt.ItemDataRole.ToolTipRole)
    assert load_run(outcome.path).failure == outcome.failure
    assert view.progress_panel.train_button.isEnabled()  # the app keeps working


def test_bad_data_is_a_failed_run(qtbot, make_view, tmp_path: Path) -> None:
    project = example(epochs=2)
    project.dataset = DatasetRef(str(tmp_path / "gone.npz"), {})
    view = make_view(project)
    assert view.train()
    outcome = finish(qtbot, view)
    assert outcome.status == "failed" and "gone.npz" in outcome.failure
    assert load_run(outcome.path).status == "failed"


def test_a_run_that_cannot_start_says_why(qtbot, make_view) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    view = make_view(example(epochs=2, device="cuda"))
    assert view.train()
    outcome = finish(qtbot, view)
    assert outcome.status == "refused" and outcome.path is None
    assert "no CUDA GPU" in view.progress_panel.message.text()
    assert view.progress_panel.train_button.isEnabled()


def test_train_is_disabled_while_the_model_has_errors(qtbot, make_view) -> None:
    project = example(epochs=2)
    view = make_view(project)
    last = next(n for n, node in project.graph.nodes.items()
                if node.params.get("activation") == "softmax")
    project.set(last, activation="tanh")  # tanh → categorical crossentropy: an error
    view.set_analysis(project.analyze())
    button = view.progress_panel.train_button
    assert not button.isEnabled()
    assert "Fix the model first" in button.toolTip()
    assert view.progress_panel.blocker.text() == button.toolTip()
    assert view.train() is False
    project.set(last, activation="softmax")
    view.refresh_validation()
    assert button.isEnabled()


def test_editing_while_training_does_not_touch_the_run(qtbot, make_view) -> None:
    project = example(epochs=3)
    view = make_view(project)
    dense = next(n for n, node in project.graph.nodes.items() if node.params.get("units") == 64)
    assert view.train()
    project.set(dense, units=7)
    project.settings.epochs = 99
    outcome = finish(qtbot, view)
    run = load_run(outcome.path)
    block = next(b for b in run.project["blocks"] if b["id"] == dense)
    assert block["params"]["units"] == 64 and run.settings["epochs"] == 3
    assert run.epochs_done == 3


def test_regression_shows_the_error_histogram(qtbot, make_view) -> None:
    view = make_view(example("regression", epochs=2))
    assert view.train()
    outcome = finish(qtbot, view)
    view.pane.flush()
    assert view.pane.metric_plots.metric_keys == ["mae", "mse", "rmse", "mape", "r2"]
    assert view.pane.predictions_plot.kind == "errors"
    errors = np.load(outcome.path / "predictions" / "best_errors.npy", allow_pickle=False)
    assert errors.ndim == 1 and errors.size > 0
    np.testing.assert_allclose(view.pane.predictions_plot.predictions.array, errors)


def test_settings_panel_edits_the_projects_settings(qtbot, make_view) -> None:
    project = example()
    view = make_view(project)
    panel = view.settings_panel
    changed = []
    view.settings_changed.connect(lambda name, value: changed.append((name, value)))
    assert panel.set_value("epochs", 7) and project.settings.epochs == 7
    assert not panel.set_value("learning_rate", -1.0)
    assert project.settings.learning_rate == 0.001
    assert "Learning rate" in panel.editor("learning_rate").toolTip()
    assert changed == [("epochs", 7)]
    assert panel.is_row_visible("beta_1") and not panel.is_row_visible("nesterov")
    panel.set_value("optimizer", "sgd")
    assert panel.is_row_visible("nesterov") and not panel.is_row_visible("beta_1")
    assert not panel.is_row_visible("patience")
    panel.set_value("early_stopping", True)
    assert panel.is_row_visible("patience")
    assert json.loads(json.dumps(project.snapshot()))["settings"]["optimizer"] == "sgd"


def test_top_level_windows_are_closed() -> None:
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()
             and isinstance(w, EvaluationView)]
    assert not shown
