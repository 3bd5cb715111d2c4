"""Pieces of the Evaluation view on their own: series and smoothing, the run store's
incremental scan, progress text, expected metrics, a multi-label run's plots, and the
training thread count."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossstudio.app.evaluation.evaluation_view import EvaluationView  # noqa: E402
from lossstudio.app.evaluation.planning import expected_metrics  # noqa: E402
from lossstudio.app.evaluation.run_store import RunStore  # noqa: E402
from lossstudio.app.evaluation.series import RunSeries, moving_average  # noqa: E402
from lossstudio.app.training.messages import TrainingProgress  # noqa: E402
from lossstudio.app.training.progress import format_eta  # noqa: E402
from lossstudio.app.training.worker import training_threads  # noqa: E402
from lossstudio.io.examples import example_project  # noqa: E402
from lossstudio.project import Project  # noqa: E402
from lossstudio.runs import EpochRecord, RunWriter  # noqa: E402


def test_series_grows_and_finds_its_best_epoch() -> None:
    series = RunSeries("k", "run", metric_names=("mae",))
    for epoch, val in enumerate([3.0, 1.0, float("nan"), 2.0], start=1):
        series.append(EpochRecord(epoch, val + 1, val, {"mae": val / 2}))
    assert len(series) == 4 and list(series.epochs) == [1, 2, 3, 4]
    assert series.best_epoch == 2 and series.row_of(4) == 3 and series.row_of(9) is None
    np.testing.assert_allclose(series.column("mae"), [1.5, 0.5, np.nan, 1.0])
    assert np.isnan(series.column("missing")).all()


def test_moving_average_is_trailing_and_skips_nan() -> None:
    values = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    np.testing.assert_allclose(moving_average(values, 2), [1.0, 1.5, 2.0, 4.0, 4.5])
    np.testing.assert_allclose(moving_average(values, 1), values)


def test_run_store_reads_only_what_changed(tmp_path: Path) -> None:
    writer = RunWriter(tmp_path, name="a", loss="mean_squared_error")
    (tmp_path / "not-a-run").mkdir()
    store = RunStore()
    summaries, changed = store.scan(tmp_path)
    assert [s.name for s in summaries] == ["a"] and changed == {writer.path}
    assert store.scan()[1] == set()  # nothing changed, nothing read
    series = store.series(writer.path)
    assert len(series) == 0 and store.series(writer.path) is series
    writer.append(EpochRecord(1, 1.0, 0.5))
    assert store.is_stale(writer.path)
    assert store.scan()[1] == {writer.path}
    assert len(store.series(writer.path)) == 1
    other = RunWriter(tmp_path, name="b", loss="poisson")
    assert store.scan()[1] == {other.path}


def test_progress_text_and_eta() -> None:
    progress = TrainingProgress(epoch=2, epochs=4, batch=5, n_batches=10, elapsed=30.0)
    assert progress.fraction == pytest.approx(0.375)
    assert progress.eta == pytest.approx(50.0)
    assert format_eta(50.0) == "0:50" and format_eta(3725) == "1:02:05" and format_eta(None) == "–"


def test_expected_metrics_follow_the_loss() -> None:
    digits = Project.load(example_project("digits"))
    assert expected_metrics(digits.snapshot(), None) == ("accuracy", "precision", "recall", "f1")
    counts = Project.load(example_project("counts"))
    assert expected_metrics(counts.snapshot(), None)[0] == "mae"
    labels = Project.load(example_project("multilabel"))
    names = expected_metrics(labels.snapshot(), labels.analyze())
    assert names[4:] and all(n.startswith("accuracy_label_") for n in names[4:])


def test_training_leaves_a_core_to_the_window() -> None:
    assert training_threads(2, cores=2) == 1
    assert training_threads(8, cores=16) == 8
    assert training_threads(4, cores=1) == 1


def test_multi_label_run_plots_per_label_accuracy(qtbot, tmp_path: Path) -> None:
    project = Project.load(example_project("multilabel"))
    project.settings.epochs = 2
    project.settings.device = "cpu"
    view = EvaluationView(project, runs_dir=tmp_path / "runs")
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.run_finished, timeout=60_000) as blocker:
        assert view.train()
    assert blocker.args[0].status == "completed", blocker.args[0].failure
    view.pane.flush()
    assert "accuracy_label_*" in view.pane.metric_plots.metric_keys
    plot = view.pane.predictions_plot
    assert plot.kind == "multilabel" and plot.predictions.array.shape[1:] == (2, 2)
    view.shutdown()


def test_importing_the_view_loads_no_torch() -> None:
    probe = (
        "import sys, os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "import lossstudio.app.evaluation.evaluation_view\n"
        "import lossstudio.app.evaluation.render\n"
        "import lossstudio.app.training\n"
        "print(json.dumps('torch' in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", "import json\n" + probe],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) is False


def test_garbage_is_collected_on_the_gui_thread(qtbot, qapp) -> None:
    import gc

    from lossstudio.app.gui_gc import GuiThreadCollector, install_gui_collector

    collector = install_gui_collector(qapp)
    assert install_gui_collector(qapp) is collector
    assert not gc.isenabled()  # no collection in worker threads, ever
    garbage = [[] for _ in range(gc.get_threshold()[0] + 10)]
    for item in garbage:
        item.append(item)  # cycles only the collector can free
    del garbage, item
    qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=3000)
    GuiThreadCollector.hold_full_collections(True)
    assert GuiThreadCollector._held == 1
    GuiThreadCollector.hold_full_collections(False)
    assert GuiThreadCollector._held == 0


def test_training_from_the_window_leaves_the_young_generations_small(tmp_path: Path) -> None:
    """What torch and the engine import on the first run (hundreds of thousands of
    objects, torch's compiler stack included) is frozen out of garbage collection, so
    the collections the GUI thread runs while a model trains stay short."""
    probe = (
        "import gc, json, os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from lossstudio.app.evaluation.evaluation_view import EvaluationView\n"
        "from lossstudio.io.examples import example_project\n"
        "from lossstudio.project import Project\n"
        "app = QApplication([])\n"
        "project = Project.load(example_project('digits'))\n"
        "project.settings.epochs, project.settings.device = 1, 'cpu'\n"
        "view = EvaluationView(project, runs_dir=Path(sys.argv[1]))\n"
        "outcome = []\n"
        "view.run_finished.connect(lambda o: (outcome.append(o.status), app.quit()))\n"
        "assert view.train()\n"
        "app.exec()\n"
        "young = len(gc.get_objects(0)) + len(gc.get_objects(1))\n"
        "print(json.dumps([outcome, 'sympy' in sys.modules, young, gc.get_freeze_count()]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome, compiler_imported, young, frozen = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == ["completed"]
    assert compiler_imported  # torch imported its compiler stack (the big import)...
    assert frozen > 200_000  # ...and it was frozen,
    assert young < 30_000  # so a young collection scans little


def test_torchs_library_is_preloaded_without_importing_torch() -> None:
    """The training thread opens libtorch_cpu with the GIL released before importing
    torch (the window keeps painting); torch then imports and computes as usual."""
    from lossstudio.app.torch_preload import torch_library

    library = torch_library()
    if library is None or not sys.platform.startswith("linux"):
        pytest.skip("checked on Linux, where torch ships libtorch_cpu.so")
    probe = (
        "import json, sys\n"
        "from lossstudio.app.torch_preload import preload_torch\n"
        "opened = preload_torch()\n"
        "imported_early = 'torch' in sys.modules\n"
        "with open('/proc/self/maps', encoding='utf-8') as maps:\n"
        f"    mapped = {str(library.resolve())!r} in maps.read()\n"
        "import torch\n"
        "value = float(torch.ones(3).sum())\n"
        "print(json.dumps([opened, imported_early, mapped, value, preload_torch()]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    opened, imported_early, mapped, value, again = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert opened and mapped and not imported_early
    assert value == 3.0
    assert again is False  # once torch is imported there is nothing to do
