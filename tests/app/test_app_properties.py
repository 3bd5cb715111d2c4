"""The property panel: editors from parameter specs, one undo step per change."""

from __future__ import annotations

from app_helpers import build_model, settle
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from lossstudio.app import MainWindow
from lossstudio.app.param_editors import (
    BoolEditor,
    ChoiceEditor,
    FeatureEditor,
    FloatEditor,
    IntEditor,
    PairEditor,
    ShapeEditor,
)


def test_editors_follow_the_parameter_specs(window: MainWindow) -> None:
    project = window.project
    dense = project.add("dense", units=64)
    window.reveal_block(dense)
    editors = window.properties.editors
    assert isinstance(editors["units"], IntEditor)
    assert editors["units"].box.minimum() == 1 and editors["units"].box.value() == 64
    assert isinstance(editors["activation"], ChoiceEditor)
    assert editors["activation"].box.currentText() == "ReLU"
    assert editors["activation"].box.count() == 14
    assert isinstance(editors["initializer"], ChoiceEditor)
    assert isinstance(editors["use_bias"], BoolEditor)
    conv = project.add("conv2d")
    window.reveal_block(conv)
    assert isinstance(window.properties.editors["kernel_size"], PairEditor)
    assert window.properties.editors["padding"].box.currentText() == "Same"
    pool = project.add("max_pooling2d")
    window.reveal_block(pool)
    strides = window.properties.editors["strides"]
    assert isinstance(strides, PairEditor) and strides.default_box is not None
    assert strides.default_box.isChecked()
    dropout = project.add("dropout")
    window.reveal_block(dropout)
    rate = window.properties.editors["rate"]
    assert isinstance(rate, FloatEditor)
    assert rate.box.minimum() == 0.0 and rate.box.maximum() == 1.0
    assert rate.box.text() == "0.5"
    reshape = project.add("reshape")
    window.reveal_block(reshape)
    assert isinstance(window.properties.editors["target_shape"], ShapeEditor)
    target = project.add("target")
    window.reveal_block(target)
    assert isinstance(window.properties.editors["feature"], FeatureEditor)
    assert "loss" not in window.properties.editors
    assert window.properties.loss_selector is not None


def test_a_spin_box_drag_is_one_undo_step(window: MainWindow) -> None:
    dense = window.project.add("dense", units=32)
    window.reveal_block(dense)
    box = window.properties.editors["units"].findChild(QSpinBox)
    assert box is not None
    box.setFocus()
    count = window.undo_stack.count()
    for _ in range(5):
        QTest.keyClick(box, Qt.Key.Key_Up)
    assert window.project.graph.nodes[dense].params["units"] == 37
    assert window.undo_stack.count() == count + 1
    box.editingFinished.emit()  # the gesture ends (focus leaves, Enter)
    QTest.keyClick(box, Qt.Key.Key_Up)
    assert window.undo_stack.count() == count + 2
    window.undo_stack.undo()
    assert window.project.graph.nodes[dense].params["units"] == 37
    window.undo_stack.undo()
    assert window.project.graph.nodes[dense].params["units"] == 32
    assert box.value() == 32  # undo refreshes the panel


def test_spinning_back_to_the_start_leaves_no_step(window: MainWindow) -> None:
    dense = window.project.add("dense", units=32)
    window.reveal_block(dense)
    box = window.properties.editors["units"].findChild(QSpinBox)
    assert box is not None
    count = window.undo_stack.count()
    QTest.keyClick(box, Qt.Key.Key_Up)
    QTest.keyClick(box, Qt.Key.Key_Down)
    assert window.undo_stack.count() == count


def test_typed_value_and_checkbox_are_separate_steps(window: MainWindow) -> None:
    dense = window.project.add("dense", units=32)
    window.reveal_block(dense)
    box = window.properties.editors["units"].findChild(QSpinBox)
    assert box is not None
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, "128")
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert window.project.graph.nodes[dense].params["units"] == 128
    check = window.properties.editors["use_bias"].findChild(QCheckBox)
    assert check is not None
    check.setFocus()
    QTest.keyClick(check, Qt.Key.Key_Space)
    assert window.project.graph.nodes[dense].params["use_bias"] is False
    assert window.canvas.item_for(dense).summary == "128 units · ReLU"
    window.undo_stack.undo()
    assert window.project.graph.nodes[dense].params["use_bias"] is True
    assert check.isChecked()
    window.undo_stack.undo()
    assert window.project.graph.nodes[dense].params["units"] == 32


def test_script_changes_refresh_the_panel(window: MainWindow) -> None:
    dense = window.project.add("dense")
    window.reveal_block(dense)
    window.project.set(dense, activation="tanh")
    combo = window.properties.editors["activation"].findChild(QComboBox)
    assert combo is not None and combo.currentText() == "Tanh"


def test_shape_and_feature_text_editors(window: MainWindow) -> None:
    reshape = window.project.add("reshape")
    window.reveal_block(reshape)
    line = window.properties.editors["target_shape"].findChild(QLineEdit)
    assert line is not None
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, "8, 8, 1")
    QTest.keyClick(line, Qt.Key.Key_Return)
    assert window.project.graph.nodes[reshape].params["target_shape"] == [8, 8, 1]
    line.selectAll()
    QTest.keyClicks(line, "eight")
    QTest.keyClick(line, Qt.Key.Key_Return)
    assert window.project.graph.nodes[reshape].params["target_shape"] == [8, 8, 1]
    assert "d32f2f" in line.styleSheet()
    target = window.project.add("target")
    window.reveal_block(target)
    feature = window.properties.editors["feature"].findChild(QLineEdit)
    assert feature is not None
    feature.setFocus()
    QTest.keyClicks(feature, "label")
    QTest.keyClick(feature, Qt.Key.Key_Return)
    assert window.project.graph.nodes[target].params["feature"] == "label"


def test_merge_inputs_change_ports_and_refusal_is_reported(window: MainWindow) -> None:
    project = window.project
    a, b, c = (project.add("dense") for _ in range(3))
    add = project.add("add")
    project.set(add, inputs=3)
    assert len(window.canvas.item_for(add).input_ports) == 3
    project.connect(a, add, 0)
    project.connect(b, add, 1)
    project.connect(c, add, 2)
    window.reveal_block(add)
    box = window.properties.editors["inputs"].findChild(QSpinBox)
    assert box is not None
    QTest.keyClick(box, Qt.Key.Key_Down)
    assert project.graph.nodes[add].params["inputs"] == 3
    assert box.value() == 3
    assert "remove that link" in window.statusBar().currentMessage()


def test_panel_shows_problems_and_output_shape(window: MainWindow) -> None:
    ids = build_model(window.project, loss="poisson", last_activation="relu")
    window.reveal_block(ids["last"])
    settle(window)
    panel = window.properties
    assert panel.problems_label is not None and panel.problems_label.isVisibleTo(panel)
    assert "Poisson" in panel.problems_label.text()
    assert panel.shape_label is not None
    window.scene.select_blocks([ids["input"], ids["hidden"]])
    assert panel.node_id is None and panel.selection == [ids["input"], ids["hidden"]]
    window.scene.select_blocks([])
    assert panel.selection == []


def test_target_panel_shows_the_loss_explorer_for_the_chosen_loss(window: MainWindow) -> None:
    ids = build_model(window.project, loss="poisson", last_activation="relu")
    window.reveal_block(ids["target"])
    settle(window)
    explorer = window.properties.loss_explorer
    assert explorer is not None and explorer.isVisibleTo(window.properties)
    assert explorer.loss_id == "poisson"
    assert explorer.activation_id == "relu"
    window.project.set(ids["target"], loss="mean_squared_error")
    settle(window)
    explorer = window.properties.loss_explorer
    assert explorer is not None and explorer.loss_id == "mean_squared_error"
