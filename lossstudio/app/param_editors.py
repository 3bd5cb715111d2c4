"""Editors for block parameters, generated from their ``ParamSpec`` (app layer).

Each editor shows one parameter and emits ``edited(value, mergeable)`` with a value
in the spec's canonical form; ``mergeable`` is true for continuous gestures (spin-box
arrows, wheel, drag) whose steps should be one undo step, and ``finished`` when such
a gesture ends. ``set_value`` shows a value without emitting anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from lossstudio.core.activations import ACTIVATIONS
from lossstudio.core.facts import FeatureFacts
from lossstudio.core.losses import LOSSES
from lossstudio.core.params import ParamKind, ParamSpec
from lossstudio.core.shapes import show

INT_LIMIT = 2**31 - 1


def choice_label(name: str, choice: str) -> str:
    """How a choice is shown: ``ReLU`` for ``relu``, ``Glorot uniform`` for ids."""
    if name == "activation" and choice in ACTIVATIONS:
        return ACTIVATIONS[choice].label
    if name == "loss" and choice in LOSSES:
        return LOSSES[choice].label
    return choice.replace("_", " ").capitalize()


def tooltip(spec: ParamSpec) -> str:
    """The help and valid range of a parameter."""
    parts = [spec.help] if spec.help else []
    if spec.kind in (ParamKind.INT, ParamKind.FLOAT) and (
            spec.minimum is not None or spec.maximum is not None):
        parts.append(f"Valid: {spec.range_text()}")
    return "\n".join(parts)


class ParamEditor(QWidget):
    """Base of the editors: one parameter, one value."""

    edited = Signal(object, bool)
    finished = Signal()

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setToolTip(tooltip(spec))
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def set_value(self, value: Any) -> None:
        """Show ``value`` (no signal)."""
        raise NotImplementedError


def _int_range(spec: ParamSpec) -> tuple[int, int]:
    low = -INT_LIMIT if spec.minimum is None else math.ceil(spec.minimum) + int(spec.min_open)
    high = INT_LIMIT if spec.maximum is None else math.floor(spec.maximum) - int(spec.max_open)
    return low, high


class IntEditor(ParamEditor):
    """A spin box limited to the valid range."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QSpinBox(self)
        self.box.setKeyboardTracking(False)
        self.box.setAccelerated(True)
        self.layout_.addWidget(self.box)
        self.box.valueChanged.connect(lambda value: self.edited.emit(int(value), True))
        self.box.editingFinished.connect(self.finished)

    def set_value(self, value: Any) -> None:
        low, high = _int_range(self.spec)
        with QSignalBlocker(self.box):
            self.box.setRange(min(low, int(value)), max(high, int(value)))
            self.box.setValue(int(value))


class FloatSpinBox(QDoubleSpinBox):
    """A double spin box that shows ``0.5`` rather than ``0.500000``."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()


class FloatEditor(ParamEditor):
    """A double spin box limited to the valid (closed) range."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = FloatSpinBox(self)
        self.box.setDecimals(6)
        self.box.setKeyboardTracking(False)
        low = -1e9 if spec.minimum is None else spec.minimum
        high = 1e9 if spec.maximum is None else spec.maximum
        self.box.setRange(low, high)
        if spec.maximum is not None and spec.minimum is not None and high - low <= 1:
            self.box.setSingleStep(0.01)
        elif spec.default:
            self.box.setSingleStep(10 ** math.floor(math.log10(abs(float(spec.default)))))
        self.layout_.addWidget(self.box)
        self.box.valueChanged.connect(lambda value: self.edited.emit(float(value), True))
        self.box.editingFinished.connect(self.finished)

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.box):
            self.box.setValue(float(value))


class BoolEditor(ParamEditor):
    """A check box."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox(self)
        self.layout_.addWidget(self.box)
        self.box.toggled.connect(lambda value: self.edited.emit(bool(value), False))

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.box):
            self.box.setChecked(bool(value))


class ChoiceEditor(ParamEditor):
    """A combo box of the allowed choices."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QComboBox(self)
        for choice in spec.choices:
            self.box.addItem(choice_label(spec.name, choice), choice)
        self.layout_.addWidget(self.box)
        self.box.activated.connect(
            lambda index: self.edited.emit(self.box.itemData(index), False))

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.box):
            self.box.setCurrentIndex(self.box.findData(value))


class PairEditor(ParamEditor):
    """Two spin boxes (height × width); optional pairs can be left to a default."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.optional = spec.kind is ParamKind.OPTIONAL_INT_PAIR
        self.default_box = QCheckBox(spec.help or "Default", self) if self.optional else None
        self.boxes = [QSpinBox(self), QSpinBox(self)]
        for index, box in enumerate(self.boxes):
            box.setRange(1, 9999)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda _value: self._emit(True))
            box.editingFinished.connect(self.finished)
            self.layout_.addWidget(box)
            if index == 0:
                self.layout_.addWidget(QLabel("×", self))
        if self.default_box is not None:
            self.default_box.toggled.connect(lambda _checked: self._emit(False))
            self.layout_.addWidget(self.default_box)

    def _emit(self, mergeable: bool) -> None:
        if self.default_box is not None and self.default_box.isChecked():
            for box in self.boxes:
                box.setEnabled(False)
            self.edited.emit(None, False)
            return
        for box in self.boxes:
            box.setEnabled(True)
        self.edited.emit([box.value() for box in self.boxes], mergeable)

    def set_value(self, value: Any) -> None:
        empty = value is None
        blockers = [QSignalBlocker(box) for box in self.boxes]
        if self.default_box is not None:
            blockers.append(QSignalBlocker(self.default_box))
            self.default_box.setChecked(empty)
        for box, item in zip(self.boxes, value or [2, 2], strict=False):
            box.setMinimum(min(1, int(item)))
            box.setValue(int(item))
            box.setEnabled(not empty)
        del blockers


class ShapeEditor(ParamEditor):
    """A line of whole numbers, e.g. ``8, 8, 1`` (one may be −1)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("e.g. 8, 8, 1")
        self.layout_.addWidget(self.line)
        self.line.editingFinished.connect(self._commit)
        self.value: list[int] = []

    def _commit(self) -> None:
        text = self.line.text().replace("(", "").replace(")", "").replace("−", "-")
        try:
            items = [int(part) for part in text.replace(",", " ").split()]
        except ValueError:
            items = []
        if not items:
            self.line.setStyleSheet("border: 1px solid #d32f2f;")
            self.line.setToolTip("Enter whole numbers separated by commas, e.g. 8, 8, 1")
            return
        self.line.setStyleSheet("")
        if items != self.value:
            self.edited.emit(items, False)

    def set_value(self, value: Any) -> None:
        self.value = list(value)
        with QSignalBlocker(self.line):
            self.line.setText(", ".join(str(item) for item in value))
            self.line.setStyleSheet("")


class FeatureEditor(ParamEditor):
    """The dataset's features in a combo box, or a text field without a dataset."""

    def __init__(self, spec: ParamSpec, features: Mapping[str, FeatureFacts] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo: QComboBox | None = None
        self.line: QLineEdit | None = None
        if features:
            self.combo = QComboBox(self)
            self.combo.setEditable(False)
            for name, facts in features.items():
                self.combo.addItem(f"{name}  {show(facts.shape)}", name)
            self.combo.activated.connect(
                lambda index: self.edited.emit(str(self.combo.itemData(index)), False))
            self.layout_.addWidget(self.combo)
        else:
            self.line = QLineEdit(self)
            self.line.setPlaceholderText("feature name")
            self.line.editingFinished.connect(self._commit_text)
            self.layout_.addWidget(self.line)
        self.value = ""

    def _commit_text(self) -> None:
        assert self.line is not None
        text = self.line.text().strip()
        if text != self.value:
            self.edited.emit(text, False)

    def set_value(self, value: Any) -> None:
        self.value = str(value)
        if self.combo is not None:
            with QSignalBlocker(self.combo):
                index = self.combo.findData(self.value)
                if index < 0 and self.value:
                    self.combo.addItem(f"{self.value}  (not in the dataset)", self.value)
                    index = self.combo.count() - 1
                if index < 0:
                    self.combo.addItem("— choose a feature —", "")
                    index = self.combo.count() - 1
                self.combo.setCurrentIndex(index)
        elif self.line is not None:
            with QSignalBlocker(self.line):
                self.line.setText(self.value)


def make_editor(spec: ParamSpec, features: Mapping[str, FeatureFacts] | None = None,
                parent: QWidget | None = None) -> ParamEditor:
    """The editor for ``spec``."""
    kind = spec.kind
    if kind is ParamKind.INT:
        return IntEditor(spec, parent)
    if kind is ParamKind.FLOAT:
        return FloatEditor(spec, parent)
    if kind is ParamKind.BOOL:
        return BoolEditor(spec, parent)
    if kind is ParamKind.CHOICE:
        return ChoiceEditor(spec, parent)
    if kind in (ParamKind.INT_PAIR, ParamKind.OPTIONAL_INT_PAIR):
        return PairEditor(spec, parent)
    if kind is ParamKind.FEATURE:
        return FeatureEditor(spec, features, parent)
    return ShapeEditor(spec, parent)

