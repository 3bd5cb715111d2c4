"""Live validation: one analysis per burst of graph events (app layer).

Every graph event schedules a zero-timer; when the event loop is next idle the
validator recomputes its report from the graph (nothing is stored in the graph).
``analysis_changed`` is emitted only when the report differs from the last one;
``settled`` after every pass, for views that show derived facts (the loss selector's
fit marks). ``flush`` runs a pending pass at once (tests, scripts, benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from lossstudio.core.validator import Analysis

if TYPE_CHECKING:
    from lossstudio.project import Project


class ValidationScheduler(QObject):
    """Keeps the validator's report of the current project up to date."""

    analysis_changed = Signal(object)
    """The new ``Analysis`` (only when it differs from the previous one)."""
    settled = Signal(object)
    """The ``Analysis`` after every pass, changed or not."""

    def __init__(self, project: Callable[[], Project], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.analysis: Analysis | None = None
        self.passes = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.run)

    @property
    def pending(self) -> bool:
        """True while a pass is scheduled but has not run."""
        return self._timer.isActive()

    def schedule(self, *_: object) -> None:
        """Ask for a pass on the next idle moment (many calls, one pass)."""
        if not self._timer.isActive():
            self._timer.start()

    def reset(self) -> None:
        """Forget the last report (a new project): the next pass always emits."""
        self.analysis = None
        self.schedule()

    def flush(self) -> Analysis:
        """Run a pending pass now; returns the current report."""
        if self._timer.isActive() or self.analysis is None:
            self._timer.stop()
            self.run()
        assert self.analysis is not None
        return self.analysis

    def run(self) -> None:
        """Recompute the report and tell the views."""
        analysis = self.project().analyze()
        self.passes += 1
        previous, self.analysis = self.analysis, analysis
        if previous is None or previous.problems != analysis.problems or (
            dict(previous.shapes) != dict(analysis.shapes)
        ):
            self.analysis_changed.emit(analysis)
        self.settled.emit(analysis)
