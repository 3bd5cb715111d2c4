"""Saved runs drawn to a PNG or SVG file without a window (app layer; ``lossstudio plot``).

The runs are read as the Evaluation view reads them (``RunStore``) and drawn by the
same ``EvaluationPane``, laid out at the requested size without being shown on screen,
then exported. ``plot`` picks the loss plot, the metric plots, the predictions plot or
the whole pane.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from lossstudio.app.evaluation.export import export_png, export_svg
from lossstudio.app.evaluation.pane import EvaluationPane
from lossstudio.app.evaluation.run_store import RunStore


def render_runs(
    paths: Sequence[Path], output: Path, plot: str = "loss", size: tuple[int, int] = (900, 560)
) -> Path:
    """Draw the runs at ``paths`` into ``output`` (.png or .svg)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    store = RunStore()
    pane = EvaluationPane()
    pane.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    try:
        pane.resize(*size)
        if plot != "all":
            for name, part in (("loss", pane.loss_plot), ("metrics", pane.metric_plots),
                               ("predictions", pane.predictions_plot)):
                part.setVisible(name == plot)
            pane.header.setVisible(False)
        pane.show_runs([store.series(Path(path).resolve()) for path in paths])
        pane.flush()
        pane.show()
        app.processEvents()
        widget = pane if plot == "all" else pane.plot_widget(plot)
        if plot != "all":
            widget.resize(*size)
            app.processEvents()
        if output.suffix.lower() == ".svg":
            return export_svg(widget, output)
        return export_png(widget, output)
    finally:
        pane.close()
        pane.deleteLater()
