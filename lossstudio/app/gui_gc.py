"""Garbage collection on the GUI thread only (app layer).

Python's cyclic collector runs in whichever thread happens to allocate. Run from a
worker thread (training, dataset loading, export), it can finalise Qt objects caught
in reference cycles (closed windows, plot items), and Qt objects must only be
destroyed on the GUI thread: a plot item deleted there mid-paint crashes the app. A
full collection over the whole process (torch, Qt, pyqtgraph) also holds the GIL for
60–200 ms, freezing the window. So while the app runs, ``GuiThreadCollector`` turns
automatic collection off and collects from a GUI-thread timer instead (as pyqtgraph's
``GarbageCollector`` does); while a run trains (``hold_full_collections``) only the
young generations are collected, and what training imports is frozen out of
collections altogether (``importing``).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects garbage on a GUI-thread timer instead of wherever Python allocates."""

    _held = 0
    _importing = 0
    _frozen_modules = 0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        """Turn automatic collection off and collect from the timer."""
        gc.disable()
        self._timer.start()

    def collect(self) -> None:
        """Collect the generations whose thresholds were passed."""
        if GuiThreadCollector._importing:
            return
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count2 > threshold2 and not GuiThreadCollector._held:
            gc.collect(2)
        elif count1 > threshold1:
            gc.collect(1)
        elif count0 > threshold0:
            gc.collect(0)

    @classmethod
    @contextmanager
    def importing(cls) -> Iterator[None]:
        """Collect nothing while the block imports modules (on any thread), then exempt
        every object alive from future collections (``gc.freeze``) if modules were
        imported since the last time.

        The training thread imports torch, the engine and what torch imports when the
        first optimizer is made (its compiler stack, some 800 modules) in such a block:
        their hundreds of thousands of objects would otherwise sit in the young
        generations, and every collection that scanned them would hold the GIL for
        20–200 ms, stalling the training loop and freezing the window. ``gc.freeze``
        finalises nothing, so any thread may call it; as it runs only when imports
        happened (a few times per process), the few objects alive then that later end
        up in reference cycles are never reclaimed, a bounded cost."""
        cls._importing += 1
        try:
            yield
        finally:
            count = len(sys.modules)
            if count > cls._frozen_modules:
                gc.freeze()
                cls._frozen_modules = count
            cls._importing -= 1

    @classmethod
    def hold_full_collections(cls, held: bool) -> None:
        """Skip full collections (long pauses) while a run trains."""
        cls._held = max(0, cls._held + (1 if held else -1))


def install_gui_collector(app: QApplication) -> GuiThreadCollector:
    """The application's collector, started once."""
    existing = app.findChild(GuiThreadCollector, "gui_thread_collector")
    if existing is not None:
        return existing
    collector = GuiThreadCollector(app)
    collector.setObjectName("gui_thread_collector")
    collector.start()
    return collector
