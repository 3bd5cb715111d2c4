"""The live red highlight: choose a loss in the Target's panel, see the last block turn red."""

from __future__ import annotations

from html import unescape

from app_helpers import build_model, choose_in_combo, red_pixels, settle
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from lossstudio.app import MainWindow
from lossstudio.app.canvas import BlockState
from lossstudio.app.loss_selector import LossSelector
from lossstudio.core.losses import Fit


def _choose_loss(window: MainWindow, qtbot, loss_id: str) -> None:  # type: ignore[no-untyped-def]
    """Open the Target panel's loss list and click ``loss_id``, as a user does."""
    selector = window.properties.loss_selector
    assert isinstance(selector, LossSelector)
    choose_in_combo(qtbot, selector.combo, selector.loss_at(loss_id))


def test_loss_change_turns_the_last_block_red_and_back(window: MainWindow, qtbot) -> None:
    ids = build_model(window.project, loss="mean_squared_error", last_activation="relu")
    window.canvas.zoom_fit()
    settle(window)
    last = window.canvas.item_for(ids["last"])
    assert last.state is BlockState.OK
    calm = red_pixels(window, ids["last"])
    window.reveal_block(ids["target"])
    assert window.properties.node_id == ids["target"]

    _choose_loss(window, qtbot, "poisson")
    assert window.project.graph.nodes[ids["target"]].params["loss"] == "poisson"
    qtbot.waitUntil(lambda: last.state is BlockState.ERROR)
    tip = unescape(last.toolTip())
    assert "Poisson needs outputs > 0; ReLU can output 0" in tip
    assert "Use Softplus or Exponential" in tip
    settle(window)
    red = red_pixels(window, ids["last"])
    assert red > calm + 150
    assert window.problems.row_for(ids["last"]) is not None
    assert window.training_refusal() is not None

    # fix it in the last block's own panel: the activation combo
    window.reveal_block(ids["last"])
    editor = window.properties.editors["activation"]
    combo = editor.findChild(QComboBox)
    assert combo is not None
    choose_in_combo(qtbot, combo, combo.findData("softplus"))
    qtbot.waitUntil(lambda: last.state is BlockState.OK)
    settle(window)
    assert red_pixels(window, ids["last"]) <= calm + 20
    assert window.training_refusal() is None

    # undo/redo each step: fix, then the loss change
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: last.state is BlockState.ERROR)
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: last.state is BlockState.OK)
    assert window.project.graph.nodes[ids["target"]].params["loss"] == "mean_squared_error"
    window.undo_stack.redo()
    qtbot.waitUntil(lambda: last.state is BlockState.ERROR)
    window.undo_stack.redo()
    qtbot.waitUntil(lambda: last.state is BlockState.OK)


def test_loss_selector_groups_losses_and_marks_their_fit(window: MainWindow) -> None:
    ids = build_model(window.project, loss="categorical_crossentropy", last_activation="softmax")
    window.reveal_block(ids["target"])
    settle(window)
    selector = window.properties.loss_selector
    assert selector is not None
    texts = [selector.model.item(row).text() for row in range(selector.model.rowCount())]
    assert texts[0] == "Classification — single label"
    assert texts.index("Classification — multi-label") < texts.index("Binary crossentropy")
    assert texts.index("Regression — discrete") < texts.index("Poisson")
    assert selector.combo.currentText() == "Categorical crossentropy"
    assert selector.fits["categorical_crossentropy"] is Fit.FINE
    assert selector.fits["binary_crossentropy"] is Fit.DISCOURAGED
    assert selector.fits["poisson"] is Fit.FINE  # softmax outputs are > 0
    assert selector.fits["mean_squared_logarithmic_error"] is Fit.FINE
    assert "exactly one class" in selector.description.text()
    assert "Fits the last block" in selector.verdict.text()
    header = selector.model.item(0)
    assert not header.flags() & Qt.ItemFlag.ItemIsSelectable

    window.project.set(ids["last"], activation="tanh")
    settle(window)
    assert selector.fits["categorical_crossentropy"] is Fit.INCOMPATIBLE
    assert selector.fits["squared_hinge"] is Fit.FINE
    assert "Does not fit" in selector.verdict.text()


def test_fix_button_applies_the_recommended_activation(window: MainWindow, qtbot) -> None:
    ids = build_model(window.project, loss="poisson", last_activation="relu")
    window.reveal_block(ids["target"])
    settle(window)
    selector = window.properties.loss_selector
    assert selector is not None and selector.fix_button.isVisibleTo(selector)
    assert "Softplus" in selector.fix_button.text()
    QTest.mouseClick(selector.fix_button, Qt.MouseButton.LeftButton)
    assert window.project.graph.nodes[ids["last"]].params["activation"] == "softplus"
    qtbot.waitUntil(lambda: window.canvas.item_for(ids["last"]).state is BlockState.OK)
    assert window.undo_stack.undoText().startswith("Set activation")


def test_script_edits_are_validated_the_same_way(window: MainWindow, qtbot) -> None:
    ids = build_model(window.project, loss="binary_crossentropy", last_activation="sigmoid")
    item = window.canvas.item_for(ids["last"])
    settle(window)
    assert item.state is BlockState.OK
    window.project.set(ids["last"], activation="softmax")
    qtbot.waitUntil(lambda: item.state is BlockState.WARNING)
    assert "labels compete" in item.toolTip()
    window.project.set(ids["last"], activation="relu")
    qtbot.waitUntil(lambda: item.state is BlockState.ERROR)
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: item.state is BlockState.WARNING)


def test_one_analysis_per_burst_of_edits(window: MainWindow) -> None:
    settle(window)
    passes = window.document.validation.passes
    build_model(window.project)
    assert window.document.validation.pending
    settle(window)
    assert window.document.validation.passes == passes + 1


def test_problems_list_click_selects_and_centres_the_block(window: MainWindow) -> None:
    ids = build_model(window.project, loss="poisson", last_activation="relu")
    window.project.move(ids["last"], 3000.0, 2000.0)
    settle(window)
    row = window.problems.row_for(ids["last"])
    assert row is not None
    assert row.text(0) == "Error" and "Poisson" in row.text(2)
    rect = window.problems.visualItemRect(row)
    QTest.mouseClick(window.problems.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert window.scene.selected_block_ids() == [ids["last"]]
    visible = window.canvas.mapToScene(window.canvas.viewport().rect()).boundingRect()
    assert visible.contains(window.canvas.item_for(ids["last"]).sceneBoundingRect().center())
    assert "error" in window.summary_label.text()
