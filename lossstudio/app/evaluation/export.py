"""Export of what the Evaluation view shows: PNG, SVG and CSV (app layer).

PNG is the widget rendered into an image (2× for sharp text); SVG is drawn through
``QSvgGenerator`` (vector paths; pyqtgraph's own SVG writer fails with Qt ≥ 6.10); CSV
has one row per run and epoch: ``run_id, run_name, epoch, train_loss, val_loss`` and
then every metric any of the runs has (empty where a run lacks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QPoint, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from lossstudio.app.evaluation.series import RunSeries

FORMATS = {".png": "PNG image", ".svg": "SVG drawing", ".csv": "CSV table"}


def export_png(widget: QWidget, path: Path, scale: float = 2.0) -> Path:
    """Render ``widget`` to a PNG file ``scale`` times its size."""
    size = widget.size()
    image = QImage(
        max(1, int(size.width() * scale)), max(1, int(size.height() * scale)),
        QImage.Format.Format_ARGB32,
    )
    image.fill(QColor("white"))
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        QWidget.render(widget, painter, QPoint(0, 0))
    finally:
        painter.end()
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]  # stubs say bytes
        raise OSError(f"could not write {path}")
    return Path(path)


def export_svg(widget: QWidget, path: Path, title: str = "LossStudio") -> Path:
    """Draw ``widget`` into an SVG file."""
    size = widget.size()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(size.width(), size.height()))
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Exported from LossStudio")
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"could not write {path}")
    try:
        QWidget.render(widget, painter, QPoint(0, 0))
    finally:
        painter.end()
    if not Path(path).is_file():
        raise OSError(f"could not write {path}")
    return Path(path)


def write_curves_csv(runs: Sequence[RunSeries], path: Path) -> Path:
    """Write the per-epoch values of ``runs`` as one long table (the format of
    ``lossstudio plot … -o FILE.csv``)."""
    from lossstudio.commands.plot import write_curves_csv as write_table

    return write_table(runs, Path(path))
