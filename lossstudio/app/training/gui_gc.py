"""Garbage collection on the GUI thread only, while a training thread runs (app layer).

Python's cyclic collector runs in whichever thread happens to allocate. Run from the
training thread, it can finalise Qt objects caught in reference cycles (closed windows,
plot items), and Qt objects must only be destroyed on the GUI thread: a plot item
deleted mid-paint crashed the app. A full collection over the whole process (torch,
Qt, pyqtgraph) also held the GIL for 60–200 ms, freezing the window. So while a run
trains, ``GuiThreadCollector`` turns automatic collection off and collects the young
generations from a GUI-thread timer (as pyqtgraph's ``GarbageCollector`` does); the
oldest generation waits until the run ends, when automatic collection is restored.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects garbage on a GUI-thread timer between ``start`` and ``stop``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._was_enabled: bool | None = None

    @property
    def active(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._was_enabled is not None

    def start(self) -> None:
        """Turn automatic collection off and collect young objects from the timer."""
        if self._was_enabled is None:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()

    def collect(self) -> None:
        """Collect the generations whose thresholds were passed (not the oldest)."""
        threshold0, threshold1, _ = gc.get_threshold()
        count0, count1, _ = gc.get_count()
        if count1 > threshold1:
            gc.collect(1)
        elif count0 > threshold0:
            gc.collect(0)

    def stop(self) -> None:
        """Restore automatic collection as it was."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
        self._was_enabled = None
