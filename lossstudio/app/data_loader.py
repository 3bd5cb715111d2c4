"""Loading a project's dataset off the GUI thread (app layer).

Opening a project shows its model at once; the dataset (numpy, possibly large) is read
by a worker thread, which computes the feature facts the validator needs. The result
re-enters the GUI thread through a queued signal and is applied only if the project
still refers to the same dataset; then validation runs again (shapes, feature and
target checks appear). Nothing the worker touches is shared with the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from lossstudio.core.facts import FeatureFacts
from lossstudio.core.project_model import DatasetRef

if TYPE_CHECKING:
    from lossstudio.project import Project

Facts = Mapping[str, FeatureFacts]
START_DELAY_MS = 50


def read_facts(ref: DatasetRef) -> Facts:
    """Load the dataset ``ref`` points to and compute its facts (worker thread)."""
    from lossstudio.data import load_dataset_for

    return load_dataset_for(ref).facts()


class DataLoader(QObject):
    """Reads the current project's dataset in the background."""

    _finished = Signal(object, object, str)
    loaded = Signal(str)
    """The facts were applied, or the dataset could not be read: a status sentence."""

    def __init__(self, project: Callable[[], Project], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._executor: ThreadPoolExecutor | None = None
        self._outstanding = 0
        self._finished.connect(self._apply)
        self.last_error = ""

    @property
    def pending(self) -> bool:
        """True while a dataset is being read."""
        return self._outstanding > 0

    def load(self, project: Project) -> bool:
        """Read ``project``'s dataset (when it has one and no facts yet) shortly.

        The read starts after ``START_DELAY_MS``, so that a window opened with the project
        paints first instead of sharing the interpreter with numpy's import.
        """
        ref = project.dataset
        if ref is None or project.facts is not None:
            return False
        self._outstanding += 1
        QTimer.singleShot(START_DELAY_MS, self, lambda: self._start(ref))
        return True

    def _start(self, ref: DatasetRef) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1,
                                                thread_name_prefix="lossstudio-data")
        future = self._executor.submit(read_facts, ref)
        future.add_done_callback(lambda done: self._report(ref, done))

    def _report(self, ref: DatasetRef, future: Future[Facts]) -> None:
        """Worker thread: hand the result to the GUI thread (queued signal)."""
        try:
            facts, error = future.result(), ""
        except Exception as exc:  # noqa: BLE001 - reported to the user, never raised
            facts, error = None, str(exc) or type(exc).__name__
        self._finished.emit(ref, facts, error)

    def _apply(self, ref: DatasetRef, facts: Facts | None, error: str) -> None:
        self._outstanding -= 1
        project = self.project()
        if project.dataset is not ref:
            return
        if facts is None:
            self.last_error = error
            self.loaded.emit(f"The dataset could not be read: {error}")
            return
        project.facts = dict(facts)
        self.loaded.emit(f"Dataset loaded: {len(facts)} feature(s) from {ref.path}")

    def shutdown(self) -> None:
        """Stop the worker thread (pending work is abandoned)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
