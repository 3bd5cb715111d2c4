"""Export a run's model from the runs browser, off the GUI thread (app layer).

``ExportJob`` runs ``lossstudio.engine.export.export_run`` (which imports torch, and
for ONNX takes seconds) on its own ``QThread`` and reports one line back: the
summary with the parity check, or why the export failed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from lossstudio.app.gui_gc import GuiThreadCollector
from lossstudio.app.torch_preload import preload_torch

FORMATS = {"ONNX (.onnx)": "onnx", "TorchScript (.pt)": "torchscript",
           "Standalone Python (.py)": "python"}
SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt", "python": ".py"}


class _Exporter(QObject):
    done = Signal(bool, str)

    def __init__(self, run: Path, fmt: str, output: Path, checkpoint: str) -> None:
        super().__init__()
        self.args = (run, fmt, output, checkpoint)

    @Slot()
    def run(self) -> None:
        with GuiThreadCollector.importing():
            preload_torch()
            from lossstudio.engine.export import ExportError, export_run

        run, fmt, output, checkpoint = self.args
        try:
            report = export_run(run, fmt, output, checkpoint)  # type: ignore[arg-type]
        except ExportError as error:
            self.done.emit(False, str(error))
        except Exception as error:  # an export must never take the window down
            self.done.emit(False, f"export failed: {type(error).__name__}: {error}")
        else:
            self.done.emit(True, report.summary())


class ExportJob(QObject):
    """One export on a worker thread; ``finished(ok, message)`` when it is done."""

    finished = Signal(bool, str)

    def __init__(self, run: Path, fmt: str, output: Path, checkpoint: str = "best",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.output = output
        self.thread = QThread(self)
        self.exporter = _Exporter(run, fmt, output, checkpoint)
        self.exporter.moveToThread(self.thread)
        self.thread.started.connect(self.exporter.run)
        self.exporter.done.connect(self._done)
        self.thread.start()

    def _done(self, ok: bool, message: str) -> None:
        self.thread.quit()
        self.thread.wait()
        self.finished.emit(ok, message)

    def wait(self) -> None:
        """Block until the export thread has ended (closing the window)."""
        self.thread.quit()
        self.thread.wait()


def ask_export(parent: QWidget, run: Path) -> tuple[str, Path] | None:
    """Ask for the format and the file; ``None`` when cancelled."""
    label, ok = QInputDialog.getItem(parent, "Export model", "Format:", list(FORMATS), 0, False)
    if not ok:
        return None
    fmt = FORMATS[label]
    default = str(run / f"model{SUFFIXES[fmt]}")
    path, _ = QFileDialog.getSaveFileName(parent, "Export model", default)
    return (fmt, Path(path)) if path else None
