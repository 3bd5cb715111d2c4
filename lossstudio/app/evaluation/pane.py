"""The evaluation pane: loss plot, metric plots and the best epoch's predictions (app layer).

``show_runs`` draws one run in full (loss, metrics, confusion matrix or error
histogram) or overlays several (loss and metrics, one colour per run); ``update_run``
redraws a run that grew, for live training and for runs another process writes.
The same code draws a live run (fed by the training thread's records) and saved runs
(read from their folders). ``update_run`` redraws the loss plot, the metric plots and
the predictions in separate event-loop turns (``STAGGER_MS`` apart), so no single
repaint holds the GUI thread for long, and spaces redraws so that the GUI thread stays
near ``GUI_BUDGET`` of the time (between ``REFRESH_MS`` and ``MAX_REFRESH_MS`` apart),
so a fast run never floods the GUI thread nor slows its training thread; ``flush``
applies what is pending.
Every plot's right-click menu exports it as PNG or SVG and the shown curves as CSV;
the same exports are methods for scripts and tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QLabel, QSplitter, QVBoxLayout, QWidget

from lossstudio.app.evaluation.export import export_png, export_svg, write_curves_csv
from lossstudio.app.evaluation.loss_plot import LossPlot
from lossstudio.app.evaluation.metric_plots import MetricPlots
from lossstudio.app.evaluation.pg_setup import new_action, pg, set_scene_actions
from lossstudio.app.evaluation.prediction_plots import PredictionsPlot
from lossstudio.app.evaluation.series import RunSeries

PLOTS = ("loss", "metrics", "predictions")
STAGGER_MS = 8
REFRESH_MS = 1000
MAX_REFRESH_MS = 3000
GUI_BUDGET = 0.025
"""The GUI thread may use at most this share of the time while a run is drawn live: while
it works it holds the GIL, and a small model's training thread waits for it."""

def describe_run(run: RunSeries) -> str:
    """One line about a run: name, status, loss, best epoch."""
    parts = [f"<b>{_escape(run.name)}</b>", run.status]
    if run.loss:
        parts.append(run.loss)
    best = run.best_epoch
    row = run.row_of(best) if best is not None else None
    if row is not None:
        parts.append(f"best validation loss {run.column('val_loss')[row]:.4g} at epoch {best}")
    parts.append(f"{len(run)} epoch{'s' if len(run) != 1 else ''}")
    text = " · ".join(parts)
    if run.failure:
        text += f"<br><span style='color:#b00020'>{_escape(run.failure)}</span>"
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class EvaluationPane(QWidget):
    """Plots of the runs shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel("Select a run, or press Train.", self)
        self.header.setObjectName("evaluation_header")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.loss_plot = LossPlot(self)
        self.metric_plots = MetricPlots(self)
        self.predictions_plot = PredictionsPlot(self)
        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.addWidget(self.metric_plots)
        lower.addWidget(self.predictions_plot)
        lower.setSizes([600, 400])
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.loss_plot)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([450, 350])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.splitter, 1)
        self._runs: list[RunSeries] = []
        self._pending: dict[str, Callable[[], None]] = {}
        self._stagger = QTimer(self)
        self._stagger.setSingleShot(True)
        self._stagger.setInterval(STAGGER_MS)
        self._stagger.timeout.connect(self._run_next)
        self._dirty: dict[str, RunSeries] = {}
        self._last_refresh = 0.0
        self._interval_ms = float(REFRESH_MS)
        self._cpu_mark = time.thread_time()
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.timeout.connect(self._refresh)
        self.header.setSizePolicy(self.header.sizePolicy().horizontalPolicy(),
                                  self.header.sizePolicy().Policy.Fixed)
        self.header.setFixedHeight(2 * self.header.fontMetrics().lineSpacing() + 6)
        for name, widget in (
            ("loss", self.loss_plot.plot_widget),
            ("metrics", self.metric_plots.layout_widget),
            ("predictions", self.predictions_plot.plot_widget),
        ):
            self._add_export_actions(name, widget)

    # -- data -------------------------------------------------------------------------

    def runs(self) -> list[RunSeries]:
        """The runs shown."""
        return list(self._runs)

    def show_runs(self, runs: Sequence[RunSeries]) -> None:
        """Draw ``runs``: one in full, several overlaid, none: an empty pane."""
        if len(runs) == len(self._runs) and all(
            new is old for new, old in zip(runs, self._runs, strict=True)
        ):
            for run in runs:
                self.update_run(run)
            return
        self._pending.clear()
        self._dirty.clear()
        self._throttle.stop()
        self._last_refresh = time.monotonic()  # the full draw below counts as a refresh
        self._cpu_mark = time.thread_time()
        self._runs = list(runs)
        self.loss_plot.set_runs(self._runs)
        self.metric_plots.set_runs(self._runs)
        self._show_header()
        if len(self._runs) == 1:
            run = self._runs[0]
            self.predictions_plot.show_predictions(run.predictions, self._no_predictions(run))
        else:
            note = "Select one run to see its predictions" if self._runs else ""
            self.predictions_plot.show_predictions(None, note)

    def prepare(self, metric_names: Sequence[str]) -> None:
        """Make the plot items one run with ``metric_names`` needs, ahead of time (so
        pressing Train does not build them)."""
        placeholder = RunSeries("prepare", "", metric_names=tuple(metric_names))
        self.loss_plot.set_runs([placeholder])
        self.metric_plots.set_runs([placeholder])
        self.show_runs([])

    def update_run(self, run: RunSeries) -> None:
        """Redraw ``run`` (same key as a run shown) after it grew or changed.

        Redraws are throttled to one per ``REFRESH_MS`` and spread over several
        event-loop turns (loss plot and header first, then each metric plot, then the
        predictions); ``flush`` applies them at once.
        """
        for index, shown in enumerate(self._runs):
            if shown.key == run.key:
                self._runs[index] = run
                break
        else:
            return
        self._dirty[run.key] = run
        self._schedule()

    def _schedule(self) -> None:
        if self._throttle.isActive() or self._pending or not self._dirty:
            return
        wait = self._interval_ms - (time.monotonic() - self._last_refresh) * 1000.0
        self._throttle.start(max(0, int(wait)))

    def _refresh(self) -> None:
        """Queue the redraw jobs of the runs that changed. The GUI thread's CPU share since
        the previous redraw scales the wait before the next one (towards ``GUI_BUDGET``)."""
        now, cpu = time.monotonic(), time.thread_time()
        wall = now - self._last_refresh
        if 0.0 < wall < 10.0:
            share = (cpu - self._cpu_mark) / wall
            wanted = self._interval_ms * share / GUI_BUDGET
            self._interval_ms = min(MAX_REFRESH_MS, max(REFRESH_MS, wanted))
        self._cpu_mark = cpu
        self._last_refresh = now
        dirty, self._dirty = self._dirty, {}
        for key, run in dirty.items():
            self._defer(f"{key}|loss", partial(self._redraw_loss, run))
        for key, run in dirty.items():  # all metric plots at once: one paint of their scene
            self._defer(f"{key}|metrics", partial(self.metric_plots.update_run, run))
        if len(self._runs) == 1:
            run = self._runs[0]
            if run.predictions is not self.predictions_plot.predictions:
                self._defer("predictions", lambda: self.predictions_plot.show_predictions(
                    run.predictions, self._no_predictions(run)))

    def _redraw_loss(self, run: RunSeries) -> None:
        self.loss_plot.update_run(run)
        self._show_header()

    def _defer(self, key: str, job: Callable[[], None]) -> None:
        self._pending[key] = job
        if not self._stagger.isActive():
            self._stagger.start()

    def _run_next(self) -> None:
        if self._pending:
            key = next(iter(self._pending))
            self._pending.pop(key)()
        if self._pending:
            self._stagger.start()
        else:
            self._schedule()

    def refresh_soon(self) -> None:
        """Start the pending redraw now (still spread over event-loop turns), without the
        usual wait: for the end of a run."""
        if self._dirty and not self._pending:
            self._throttle.start(0)

    def flush(self) -> None:
        """Apply every pending redraw now."""
        self._throttle.stop()
        self._stagger.stop()
        if self._dirty:
            self._refresh()
        while self._pending:
            key = next(iter(self._pending))
            self._pending.pop(key)()

    def _show_header(self) -> None:
        if not self._runs:
            self.header.setText("Select a run, or press Train.")
        elif len(self._runs) == 1:
            self.header.setText(describe_run(self._runs[0]))
        else:
            self.header.setText(
                f"{len(self._runs)} runs compared — solid: validation, dashed: training"
            )

    @staticmethod
    def _no_predictions(run: RunSeries) -> str:
        return "No predictions yet" if run.status == "running" else "No predictions saved"

    # -- export -----------------------------------------------------------------------

    def plot_widget(self, which: str) -> pg.GraphicsView:
        """The widget of plot ``which`` ("loss", "metrics" or "predictions")."""
        return {
            "loss": self.loss_plot.plot_widget,
            "metrics": self.metric_plots.layout_widget,
            "predictions": self.predictions_plot.plot_widget,
        }[which]

    def export_png(self, path: Path, which: str = "loss") -> Path:
        """Save plot ``which`` as a PNG image."""
        self.flush()
        return export_png(self.plot_widget(which), Path(path))

    def export_svg(self, path: Path, which: str = "loss") -> Path:
        """Save plot ``which`` as an SVG drawing."""
        self.flush()
        return export_svg(self.plot_widget(which), Path(path))

    def export_csv(self, path: Path) -> Path:
        """Save the curves of the runs shown as CSV (one row per run and epoch)."""
        return write_curves_csv(self._runs, Path(path))

    def _add_export_actions(self, which: str, widget: pg.GraphicsView) -> None:
        png = new_action("Export plot as PNG…", self)
        svg = new_action("Export plot as SVG…", self)
        csv = new_action("Export curves as CSV…", self)
        png.triggered.connect(lambda: self._ask_and_export(which, ".png"))
        svg.triggered.connect(lambda: self._ask_and_export(which, ".svg"))
        csv.triggered.connect(lambda: self._ask_and_export(which, ".csv"))
        set_scene_actions(widget, [png, svg, csv])

    def export_actions(self, which: str) -> list[str]:
        """Texts of the export actions in the right-click menu of plot ``which``."""
        return [action.text() for action in self.plot_widget(which).scene().contextMenu]

    def _ask_and_export(self, which: str, suffix: str) -> None:
        kinds = {".png": "PNG image (*.png)", ".svg": "SVG drawing (*.svg)",
                 ".csv": "CSV table (*.csv)"}
        default = f"{self._runs[0].name if len(self._runs) == 1 else 'runs'}_{which}{suffix}"
        name, _ = QFileDialog.getSaveFileName(self, "Export", default, kinds[suffix])
        if not name:
            return
        path = Path(name) if name.endswith(suffix) else Path(name + suffix)
        if suffix == ".png":
            self.export_png(path, which)
        elif suffix == ".svg":
            self.export_svg(path, which)
        else:
            self.export_csv(path)
