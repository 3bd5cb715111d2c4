"""Train / Pause / Stop buttons, the progress bar with its ETA and the status line
(app layer).

``ProgressPanel`` is a view: it emits ``train_clicked``, ``pause_clicked``,
``resume_clicked`` and ``stop_clicked`` and is told what to show (``set_can_train``,
``set_running``, ``set_paused``, ``show_progress``, ``show_message``). The bar has one
step per batch of the whole run and says "epoch 3/10 · batch 12/45 · 0:41 left".
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from lossstudio.app.training.messages import TrainingProgress

_STEPS = 1000


def format_eta(seconds: float | None) -> str:
    """``"1:02:03"`` / ``"4:05"``, or ``"–"`` when unknown."""
    if seconds is None:
        return "–"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressPanel(QWidget):
    """Training buttons, progress bar and a one-line status/message."""

    train_clicked = Signal()
    pause_clicked = Signal()
    resume_clicked = Signal()
    stop_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.train_button = QPushButton("Train", self)
        self.train_button.setObjectName("train_button")
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setObjectName("pause_button")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("stop_button")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, _STEPS)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("idle")
        self.message = QLabel("", self)
        self.message.setObjectName("training_message")
        self.message.setWordWrap(True)
        self.blocker = QLabel("", self)
        self.blocker.setObjectName("train_blocker")
        self.blocker.setWordWrap(True)
        self.blocker.setStyleSheet("color: #b35c00;")
        self.blocker.setVisible(False)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addWidget(self.bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.blocker)
        layout.addWidget(self.message)
        self.train_button.clicked.connect(self.train_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)
        self.pause_button.clicked.connect(self._pause_or_resume)
        self._paused = False
        self._running = False
        self._can_train = True
        self._reason = ""
        self._update_buttons()

    def _pause_or_resume(self) -> None:
        (self.resume_clicked if self._paused else self.pause_clicked).emit()

    def set_can_train(self, allowed: bool, reason: str = "") -> None:
        """Enable Train, or disable it with ``reason`` as its tooltip and shown below."""
        self._can_train, self._reason = allowed, reason
        self.blocker.setText(reason if not allowed else "")
        self.blocker.setVisible(not allowed and bool(reason))
        self._update_buttons()

    def set_running(self, running: bool) -> None:
        """Switch between the idle and the training button states."""
        self._running = running
        self._paused = False
        if running:
            self.bar.setValue(0)
            self.bar.setFormat("starting…")
        self._update_buttons()

    def set_paused(self, paused: bool) -> None:
        """Show the paused state (the Pause button reads Resume)."""
        self._paused = paused
        if paused:
            self.bar.setFormat(self.bar.format().split(" · ")[0] + " · paused")
        self._update_buttons()

    def set_stopping(self) -> None:
        """Say that a stop was asked for."""
        self.bar.setFormat("stopping…")
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)

    def show_progress(self, progress: TrainingProgress) -> None:
        """Move the bar and update its text (epoch, batch, time left)."""
        self.bar.setValue(int(progress.fraction * _STEPS))
        text = (
            f"epoch {progress.epoch}/{progress.epochs} · batch {progress.batch}/"
            f"{progress.n_batches} · {format_eta(progress.eta)} left"
        )
        if self._paused:
            text += " · paused"
        self.bar.setFormat(text)

    def show_finished(self, text: str, done: bool) -> None:
        """Show the end of a run in the bar."""
        if done:
            self.bar.setValue(_STEPS)
        self.bar.setFormat(text)

    def show_message(self, text: str, error: bool = False) -> None:
        """One line under the bar (red when ``error``)."""
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "")

    def _update_buttons(self) -> None:
        self.train_button.setEnabled(self._can_train and not self._running)
        tip = self._reason if not self._can_train else "Train the model with these settings"
        self.train_button.setToolTip(tip)
        self.pause_button.setEnabled(self._running)
        self.pause_button.setText("Resume" if self._paused else "Pause")
        self.stop_button.setEnabled(self._running)
