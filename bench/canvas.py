"""Modeling view speed: start-up, and a 500-block project on the canvas.

Figures, as the issue asks, each printed with its ratio to the target:

1. Start-up to a shown window (target ≤ 1.0 s): median of N process starts of the app
   as ``lossstudio`` starts it (no argument: the bundled example), measured from just
   before the process is spawned to the window shown and painted. Each start also
   reports whether ``torch`` was imported (it must not be). Interleaved with starts of
   a bare PySide6 ``QMainWindow`` for context (the floor any PySide6 app pays).
2. A 500-block project: open + first paint (target ≤ 1 s), one edit → revalidated and
   repainted (target ≤ 30 ms, median of ≥ 20 edits, at 100 % zoom and zoomed to fit),
   zoom-to-fit repaint (target ≤ 100 ms). "Painted" means the canvas received its
   paint event (Qt repaints only what changed, as it does for a user).

Runs offscreen (``QT_QPA_PLATFORM=offscreen``) with a private settings folder. Python
may write bytecode caches, as an installed package has them: the first start is a
warm-up and is not counted.

    python bench/canvas.py [--starts 5] [--edits 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

START_TARGET, OPEN_TARGET, EDIT_TARGET, FIT_TARGET = 1.0, 1.0, 0.030, 0.100

APP_CHILD = """
import json, os, sys, time
spawned = float(sys.argv[1])
from lossstudio.app.main import ensure_application, create_window
app = ensure_application()
window = create_window(None)
window.show()
app.processEvents()
window.canvas.viewport().repaint()
shown = time.time() - spawned
print(json.dumps({"seconds": shown, "torch": "torch" in sys.modules,
                  "project": window.document.display_name,
                  "blocks": len(window.project.graph.nodes)}))
window.undo_stack.setClean()
window.close()
"""

BARE_CHILD = """
import json, sys, time
spawned = float(sys.argv[1])
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.processEvents()
print(json.dumps({"seconds": time.time() - spawned, "torch": "torch" in sys.modules}))
"""


def child_env(config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["LOSSSTUDIO_CONFIG_DIR"] = str(config)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def start_once(code: str, env: dict[str, str]) -> dict[str, object]:
    spawned = time.time()
    result = subprocess.run([sys.executable, "-c", code, repr(spawned)], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise SystemExit(f"start-up run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_startup(starts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = child_env(Path(folder))
        start_once(APP_CHILD, env)  # warm-up: bytecode caches, font cache
        start_once(BARE_CHILD, env)
        app_times, bare_times, torch_seen, project = [], [], False, ""
        for _ in range(starts):
            report = start_once(APP_CHILD, env)
            app_times.append(float(report["seconds"]))  # type: ignore[arg-type]
            torch_seen |= bool(report["torch"])
            project = f"{report['project']} ({report['blocks']} blocks)"
            bare_times.append(float(start_once(BARE_CHILD, env)["seconds"]))  # type: ignore[arg-type]
    app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
    print(f"start-up to a shown window, median of {starts} process starts, opening {project}")
    print(f"  LossStudio  {app_median:6.3f} s   ratio to target {app_median / START_TARGET:5.2f}"
          f"   samples {', '.join(f'{t:.3f}' for t in app_times)}")
    print(f"  bare PySide6 QMainWindow {bare_median:6.3f} s (context; LossStudio / bare = "
          f"{app_median / bare_median:.2f})")
    print(f"  torch imported during start-up: {'YES (must not be)' if torch_seen else 'no'}")


def build_project(path: Path, count: int = 500) -> None:
    """Input → 498 Dense → Target, laid out in rows of 25, saved to ``path``."""
    from lossstudio.project import Project

    project = Project()

    def spot(index: int) -> tuple[float, float]:
        return (float((index % 25) * 220), float((index // 25) * 130))

    previous = project.add("input", feature="x", position=spot(0))
    for index in range(1, count - 1):
        node = project.add("dense", units=16 + index % 7, activation="relu",
                           position=spot(index))
        project.connect(previous, node)
        previous = node
    target = project.add("target", feature="y", loss="poisson", position=spot(count - 1))
    project.connect(previous, target)
    project.save(path)


def paint_counter(widget: object) -> list[int]:
    """Count the paint events ``widget`` receives (a one-element list, updated live)."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = [0]

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count[0] += 1
            return False

    counter = Counter()
    widget.installEventFilter(counter)  # type: ignore[attr-defined]
    widget._paint_counter = counter  # type: ignore[attr-defined]  # keep it alive
    return counter.count


def wait_for_paint(count: list[int], before: int) -> None:
    """Process events until a paint event arrived after ``before`` paints."""
    from PySide6.QtWidgets import QApplication

    deadline = time.perf_counter() + 10
    while count[0] <= before and time.perf_counter() < deadline:
        QApplication.processEvents()


def bench_canvas(edits: int) -> None:
    from PySide6.QtWidgets import QApplication

    from lossstudio.app.main import ensure_application

    app = ensure_application()  # keep a reference: the application must outlive the windows
    from lossstudio.app import MainWindow

    print(f"Qt platform: {app.platformName()}")

    with tempfile.TemporaryDirectory() as folder:
        os.environ["LOSSSTUDIO_CONFIG_DIR"] = str(Path(folder) / "config")
        path = Path(folder) / "big.lsproj"
        build_project(path)
        opens = []
        window = None
        for _ in range(3):
            if window is not None:
                window.undo_stack.setClean()
                window.close()
                window.deleteLater()
                QApplication.processEvents()
            started = time.perf_counter()
            window = MainWindow(path)
            window.resize(1280, 800)
            painted = paint_counter(window.canvas.viewport())
            window.show()
            wait_for_paint(painted, 0)
            opens.append(time.perf_counter() - started)
        assert window is not None
        blocks = len(window.project.graph.nodes)
        open_median = statistics.median(opens)
        print(f"\n{blocks}-block project ({len(window.project.graph.links)} links)")
        print(f"  open + first paint       {open_median * 1000:7.1f} ms   ratio to target "
              f"{open_median / OPEN_TARGET:5.2f}   (median of {len(opens)})")
        view, validation = window.canvas, window.document.validation
        painted = paint_counter(view.viewport())
        node_ids = [n for n, node in window.project.graph.nodes.items() if node.type == "dense"]

        def edit_times(label: str, centred: bool) -> float:
            times = []
            for index in range(edits):
                node_id = node_ids[(index * 37) % len(node_ids)]
                units = window.project.graph.nodes[node_id].params["units"]
                view.center_on_block(node_id) if centred else None
                QApplication.processEvents()
                before = painted[0]
                started = time.perf_counter()
                window.project.set(node_id, units=units + 1)
                while validation.pending:
                    QApplication.processEvents()
                wait_for_paint(painted, before)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            print(f"  edit → revalidated + repainted ({label}) {median * 1000:6.2f} ms   "
                  f"ratio to target {median / EDIT_TARGET:5.2f}   (median of {len(times)}, "
                  f"max {max(times) * 1000:.1f} ms)")
            return median

        view.zoom_fit()
        edit_times("zoomed to fit", centred=False)
        view.resetTransform()
        edit_times("100 % zoom", centred=True)
        fits = []
        for _ in range(10):
            view.resetTransform()
            view.center_on_block(node_ids[0])
            view.viewport().repaint()
            before = painted[0]
            started = time.perf_counter()
            view.zoom_fit()
            wait_for_paint(painted, before)
            fits.append(time.perf_counter() - started)
        fit_median = statistics.median(fits)
        print(f"  zoom-to-fit repaint      {fit_median * 1000:7.1f} ms   ratio to target "
              f"{fit_median / FIT_TARGET:5.2f}   (median of {len(fits)})")
        window.undo_stack.setClean()
        window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="process starts to time")
    parser.add_argument("--edits", type=int, default=30, help="edits to time (≥ 20)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"platform {os.environ['QT_QPA_PLATFORM']}")
    bench_startup(args.starts)
    bench_canvas(max(20, args.edits))


if __name__ == "__main__":
    main()
