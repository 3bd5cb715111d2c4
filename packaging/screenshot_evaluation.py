"""Screenshot of the Evaluation view after real training runs, for the README.

Trains the bundled digits example from the ``EvaluationView`` (as pressing Train
does) twice — the example's settings for 20 epochs, then with a higher learning rate —
into a temporary runs folder, shows the second run, and saves the window to
``docs/evaluation.png``. Needs no display (offscreen).

    python packaging/screenshot_evaluation.py [-o docs/evaluation.png]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from lossstudio.app.evaluation.evaluation_view import EvaluationView  # noqa: E402
from lossstudio.io.examples import example_project  # noqa: E402
from lossstudio.project import Project  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def train(view: EvaluationView, name: str) -> None:
    loop = QEventLoop()
    outcomes = []
    view.run_finished.connect(outcomes.append)
    view.run_finished.connect(lambda _outcome: loop.quit())
    if not view.train(name=name):
        raise SystemExit("the view refused to train")
    loop.exec()
    view.run_finished.disconnect()
    if outcomes[0].status != "completed":
        raise SystemExit(f"the run {outcomes[0].status}: {outcomes[0].failure}")


def settle(app: QApplication, ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "evaluation.png")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    project = Project.load(example_project("digits"))
    project.settings.epochs = 20
    project.settings.device = "cpu"
    with tempfile.TemporaryDirectory() as folder:
        view = EvaluationView(project, runs_dir=Path(folder) / "runs")
        view.setWindowTitle("LossStudio — Evaluation")
        view.resize(1500, 940)
        view.show()
        settle(app)
        train(view, "digits-lr0.001")
        project.settings.learning_rate = 0.003
        view.settings_panel.set_settings(project.settings)
        train(view, "digits-lr0.003")
        view.pane.flush()
        view.pane.loss_plot.show_readout(12)
        settle(app)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        if not view.grab().save(str(args.output)):
            raise SystemExit(f"could not write {args.output}")
        view.shutdown()
        view.close()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
