"""Helpers of the app tests: dialogs that answer by themselves, a model, gestures."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from lossstudio.app import MainWindow
from lossstudio.app.dialogs import Answer
from lossstudio.project import Project


class FakeDialogs:
    """Answers the app's questions without a person, and records its messages."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.asked: list[str] = []
        self.unsaved_answer = Answer.DISCARD
        self.recover = True
        self.open_path: Path | None = None
        self.save_path: Path | None = None

    def error(self, title: str, message: str) -> None:
        self.errors.append((title, message))

    def ask_unsaved(self, name: str) -> Answer:
        self.asked.append(name)
        return self.unsaved_answer

    def ask_recover(self, description: str) -> bool:
        self.asked.append(description)
        return self.recover

    def choose_open_path(self, folder: Path) -> Path | None:
        return self.open_path

    def choose_save_path(self, suggestion: Path) -> Path | None:
        return self.save_path


def build_model(project: Project, loss: str = "poisson",
                last_activation: str = "softplus") -> dict[str, str]:
    """input → dense(64, ReLU) → dense(1, ``last_activation``) → target(``loss``)."""
    ids = {
        "input": project.add("input", feature="x", position=(0.0, 0.0)),
        "hidden": project.add("dense", units=64, activation="relu", position=(240.0, 0.0)),
        "last": project.add("dense", units=1, activation=last_activation,
                            position=(480.0, 0.0)),
        "target": project.add("target", feature="y", loss=loss, position=(720.0, 0.0)),
    }
    project.connect(ids["input"], ids["hidden"])
    project.connect(ids["hidden"], ids["last"])
    project.connect(ids["last"], ids["target"])
    return ids


def settle(window: MainWindow) -> None:
    """Run the pending validation pass and paint."""
    window.document.validation.flush()
    QApplication.processEvents()


def viewport_point(window: MainWindow, scene_point: QPointF) -> QPoint:
    """Where a scene point is on the canvas viewport."""
    return window.canvas.mapFromScene(scene_point)


def drag(widget: QWidget, start: QPoint, end: QPoint, steps: int = 4,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A real left-button drag from ``start`` to ``end`` with intermediate moves."""
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, modifier, start)
    for step in range(1, steps + 1):
        QTest.mouseMove(widget, start + (end - start) * step / steps)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, modifier, end)


def block_rect(window: MainWindow, node_id: str) -> QRect:
    """The block's rectangle in the coordinates of the view widget (not its viewport)."""
    item = window.canvas.item_for(node_id)
    rect = window.canvas.mapFromScene(item.sceneBoundingRect()).boundingRect()
    return rect.translated(window.canvas.viewport().pos()).adjusted(-4, -4, 4, 4)


def red_pixels(window: MainWindow, node_id: str) -> int:
    """Strongly red pixels in a grab of the view, around the block's rectangle."""
    image = window.canvas.grab().toImage().copy(block_rect(window, node_id))
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            if colour.red() > 180 and colour.green() < 90 and colour.blue() < 90:
                count += 1
    return count


def choose_in_combo(qtbot, combo: QComboBox, row: int) -> None:  # type: ignore[no-untyped-def]
    """Open ``combo``'s list and click row ``row``, as a user does."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    index = combo.model().index(row, 0)
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible())
