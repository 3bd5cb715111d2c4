"""Evaluation view speed: training from the window, GUI responsiveness, opening many runs.

Three figures, as the issue asks:

1. Training the bundled digits example (its own settings: 10 epochs) from the
   ``EvaluationView`` (worker thread, live plots, offscreen window; from pressing Train
   to the end of the run) against the same run headless (``train_snapshot`` on the main
   thread, as ``lossstudio train`` runs it): samples interleaved, median time ratio. The
   window's training thread uses ``training_threads`` intra-op threads (cores − 1), so
   the headless run is timed both with torch's default thread count and with that one.
   The same comparison on a 100-epoch run shows the cost once start-up is amortised.
2. While the window trains digits (three runs), the gaps between ticks of a 5 ms
   ``QTimer`` on the GUI thread: maximum and 99th percentile (the GUI thread must never
   block long). The window is shown and painted before the clock starts. Measured too
   for the first run of a session, in fresh processes: its training thread imports
   torch meanwhile.
3. Opening a folder of 200 synthetic runs × 500 epochs (written with ``RunWriter``) in
   a fresh view and overlaying 20 of them, until painted: median seconds.

    python bench/evaluation.py [--samples 5] [--epochs N] [--long-epochs 100] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from lossstudio.app.evaluation.evaluation_view import EvaluationView  # noqa: E402
from lossstudio.io.examples import example_project  # noqa: E402
from lossstudio.project import Project  # noqa: E402
from lossstudio.runs import EpochRecord, RunWriter  # noqa: E402


def digits(epochs: int | None = None) -> Project:
    project = Project.load(example_project("digits"))
    if epochs is not None:
        project.settings.epochs = epochs
    project.settings.device = "cpu"
    return project


def headless_seconds(project: Project, runs: Path, threads: int | None = None) -> float:
    import torch

    from lossstudio.engine.session import train_snapshot

    default = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        started = time.perf_counter()
        train_snapshot(project.snapshot(), project.settings, runs, name="headless")
        return time.perf_counter() - started
    finally:
        torch.set_num_threads(default)


def settle(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def window_seconds(project: Project, runs: Path, gaps: list[float] | None = None) -> float:
    view = EvaluationView(project, runs_dir=runs)
    view.resize(1400, 900)
    view.show()
    settle(300)  # the window is exposed and painted before the clock starts
    loop = QEventLoop()
    view.run_finished.connect(lambda _outcome: loop.quit())
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    if gaps is not None:
        timer.start()
    started = time.perf_counter()
    if not view.train(name="window"):
        raise RuntimeError("the view refused to train")
    loop.exec()
    seconds = time.perf_counter() - started
    timer.stop()
    if gaps is not None:
        gaps.extend(np.diff(ticks) * 1000.0)
    view.shutdown()
    view.close()
    view.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    gc.collect()  # the discarded window's cycles: the app keeps one window, not dozens
    return seconds


def long_ratio(samples: int, epochs: int) -> None:
    """The same comparison on a longer digits run (start-up costs amortised)."""
    import torch

    from lossstudio.app.training.worker import training_threads

    project = digits(epochs)
    threads = training_threads(torch.get_num_threads())
    with tempfile.TemporaryDirectory() as folder:
        runs = Path(folder)
        window, same = [], []
        for _ in range(samples):
            window.append(window_seconds(project, runs))
            same.append(headless_seconds(project, runs, threads))
        ratios = [w / h for w, h in zip(window, same, strict=True)]
        print(f"digits, {epochs} epochs, {samples} interleaved samples: window median "
              f"{statistics.median(window):.2f} s, headless ({threads} thread(s)) median "
              f"{statistics.median(same):.2f} s")
        print(f"  ratio window / headless {threads} thread(s): median "
              f"{statistics.median(ratios):.3f} (per sample {_list(ratios, 3)})  target <= 1.05")


def gaps(project: Project, runs: Path, count: int = 3) -> None:
    """Figure 2, measured before any headless run: OpenMP threads of a run on the main
    thread keep spinning for a while afterwards and would starve the GUI thread."""
    found: list[float] = []
    maxima = []
    for _ in range(count):
        before = len(found)
        window_seconds(project, runs, found)
        maxima.append(max(found[before:]))
    array = np.array(found)
    print(f"GUI thread, 5 ms timer while training digits ({count} runs, {len(array)} ticks): "
          f"max gap {array.max():.1f} ms (per run {_list(maxima, 1)}), "
          f"p99 {np.percentile(array, 99):.1f} ms, median {np.median(array):.1f} ms  "
          "target max <= 50 ms")


def first_run_probe() -> None:
    """In this fresh process: train digits for 2 epochs from the window, the first run
    of the session (the training thread imports torch), and print the timer's gaps."""
    found: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        window_seconds(digits(2), Path(folder), found)
    print(f"FIRST-RUN {max(found):.1f} {np.percentile(found, 99):.1f} {len(found)}")


def first_run_gaps(count: int = 3) -> None:
    """The GUI thread's longest gap during the first run of a session, in fresh processes."""
    import subprocess

    maxima, p99s = [], []
    for _ in range(count):
        result = subprocess.run(
            [sys.executable, __file__, "--first-run-probe"],
            capture_output=True, text=True, timeout=600, check=True,
        )
        line = next(ln for ln in result.stdout.splitlines() if ln.startswith("FIRST-RUN "))
        _, high, p99, _ticks = line.split()
        maxima.append(float(high))
        p99s.append(float(p99))
    print(f"GUI thread, first run of a session (torch imported by the training thread), "
          f"{count} fresh processes: max gap per process {_list(maxima, 1)} ms, "
          f"p99 {_list(p99s, 1)} ms  target max <= 50 ms")


def ratio_and_gaps(samples: int, epochs: int | None) -> None:
    import torch

    from lossstudio.app.training.worker import training_threads

    project = digits(epochs)
    threads = training_threads(torch.get_num_threads())
    with tempfile.TemporaryDirectory() as folder:
        runs = Path(folder)
        window_seconds(digits(1), runs)  # warm-up (imports, first allocations)
        gaps(project, runs)
        headless_seconds(digits(1), runs)
        window, headless, same = [], [], []
        for _ in range(samples):
            window.append(window_seconds(project, runs))
            headless.append(headless_seconds(project, runs))
            same.append(headless_seconds(project, runs, threads))
        print(f"digits, {project.settings.epochs} epochs, {samples} interleaved samples; torch "
              f"threads: headless {torch.get_num_threads()}, window's training thread {threads}")
        print(f"  window                  median {statistics.median(window):.2f} s  "
              f"{_list(window)}")
        print(f"  headless                median {statistics.median(headless):.2f} s  "
              f"{_list(headless)}")
        print(f"  headless, {threads} thread(s)    median {statistics.median(same):.2f} s  "
              f"{_list(same)}")
        for label, base in (("headless", headless), (f"headless {threads} thread(s)", same)):
            ratios = [w / h for w, h in zip(window, base, strict=True)]
            print(f"  ratio window / {label}: median {statistics.median(ratios):.3f} "
                  f"(per sample {_list(ratios, 3)})  target <= 1.05")


def make_runs(folder: Path, count: int, epochs: int) -> None:
    """``count`` runs of ``epochs`` epochs: 10 written with RunWriter, the rest copies with
    their own id and name (fsync is skipped while generating: only setup speed)."""
    project = digits(1).snapshot()
    metrics = ("accuracy", "precision", "recall", "f1")
    templates = []
    with mock.patch("os.fsync"):
        for index in range(min(10, count)):
            rng = random.Random(index)
            writer = RunWriter(folder, name=f"synthetic-{index:03d}",
                               loss="categorical_crossentropy", metric_names=metrics,
                               settings=project["settings"], project=project)
            scale = rng.uniform(0.5, 2.0)
            for epoch in range(1, epochs + 1):
                train = scale * math.exp(-epoch / 80) + rng.uniform(0, 0.02)
                val = train * 1.1 + rng.uniform(0, 0.03)
                values = {m: 1 - val / 3 for m in metrics}
                writer.append(EpochRecord(epoch, train, val, values, 0.5))
            writer.finish("completed")
            templates.append(writer.path)
    import json

    for index in range(len(templates), count):
        source = templates[index % len(templates)]
        target = folder / f"{source.name}-copy{index:03d}"
        shutil.copytree(source, target)
        data = json.loads((target / "run.json").read_text())
        data.update(id=target.name, name=f"synthetic-{index:03d}")
        (target / "run.json").write_text(json.dumps(data))


def open_many(samples: int, count: int = 200, epochs: int = 500, overlay: int = 20) -> None:
    with tempfile.TemporaryDirectory() as folder:
        runs = Path(folder)
        started = time.perf_counter()
        make_runs(runs, count, epochs)
        print(f"generated {count} runs × {epochs} epochs in {time.perf_counter() - started:.1f} s")
        project = digits(1)
        times = []
        for _ in range(samples):
            view = EvaluationView(project, runs_dir=Path(folder) / "elsewhere")
            view.resize(1400, 900)
            view.show()
            settle(300)
            started = time.perf_counter()
            view.open_runs_folder(runs)
            paths = view.browser.model.paths()[:overlay]
            view.browser.select_runs(paths)
            QApplication.processEvents()
            view.repaint()
            view.pane.loss_plot.plot_widget.grab()
            seconds = time.perf_counter() - started
            assert len(view.browser.model.paths()) == count
            assert len(view.pane.runs()) == overlay and len(view.pane.runs()[0]) == epochs
            times.append(seconds)
            view.shutdown()
            view.close()
            view.deleteLater()
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            QApplication.processEvents()
        print(f"open {count} runs × {epochs} epochs and overlay {overlay}: median "
              f"{statistics.median(times):.3f} s over {samples} samples {_list(times, 3)}  "
              "target <= 1 s")


def _list(values: list[float], digits: int = 2) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None, help="default: the example's")
    parser.add_argument("--long-epochs", type=int, default=100,
                        help="epochs of the longer comparison (0: skip it)")
    parser.add_argument("--quick", action="store_true", help="2 samples of 3 epochs")
    parser.add_argument("--first-run-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_run_probe:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        first_run_probe()
        return 0
    if args.quick:
        args.samples, args.epochs, args.long_epochs = 2, 3, 0
    first_run_gaps(2 if args.quick else 3)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    ratio_and_gaps(args.samples, args.epochs)
    if args.long_epochs:
        long_ratio(max(3, args.samples // 2), args.long_epochs)
    open_many(max(3, args.samples))
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
