"""The run settings panel (SPEC §7), generated from ``SETTING_SPECS`` (app layer).

One editor per setting, in four groups (training, optimizer, schedule, early stopping);
rows that do not apply to the chosen optimizer, schedule or early-stopping choice are
hidden. Every edit is checked by ``RunSettings`` at once: a bad value is outlined red
with the reason in its tooltip and is not stored. The panel edits the project's own
``RunSettings`` object in place (so the settings are saved with the project) and emits
``setting_changed`` after each accepted edit.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lossstudio.core.params import ParameterError, ParamKind, ParamSpec
from lossstudio.core.settings import SETTING_SPECS, RunSettings

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Training", ("epochs", "batch_size", "validation_split", "seed", "device")),
    (
        "Optimizer",
        ("optimizer", "learning_rate", "beta_1", "beta_2", "epsilon", "momentum", "rho",
         "nesterov", "weight_decay"),
    ),
    ("Learning-rate schedule", ("lr_schedule", "decay_rate", "decay_steps")),
    ("Early stopping", ("early_stopping", "patience")),
)
ADAM_FAMILY = ("adam", "adamw", "adamax", "amsgrad", "nadam")
_SPECS = {spec.name: spec for spec in SETTING_SPECS}
_INT32_MAX = 2**31 - 1
_ERROR_STYLE = "border: 1px solid #d62728;"


def applies(name: str, settings: RunSettings) -> bool:
    """True when setting ``name`` has an effect with the other settings' values."""
    optimizer = settings.optimizer
    if name in ("beta_1", "beta_2"):
        return optimizer in ADAM_FAMILY
    if name == "epsilon":
        return optimizer != "sgd"
    if name == "momentum":
        return optimizer in ("sgd", "rmsprop")
    if name == "rho":
        return optimizer in ("rmsprop", "adadelta")
    if name == "nesterov":
        return optimizer == "sgd"
    if name in ("decay_rate", "decay_steps"):
        return settings.lr_schedule != "none"
    if name == "patience":
        return settings.early_stopping
    return True


class RunSettingsPanel(QWidget):
    """Editors for the run settings of a project."""

    setting_changed = Signal(str, object)
    """Name and new value of a setting the user changed (already stored)."""

    def __init__(self, settings: RunSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._settings = settings if settings is not None else RunSettings()
        self._editors: dict[str, QWidget] = {}
        self._rows: dict[str, tuple[QFormLayout, int]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for title, names in GROUPS:
            box = QGroupBox(title, self)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for name in names:
                spec = _SPECS[name]
                editor = self._make_editor(spec)
                editor.setToolTip(_tip(spec))
                editor.setObjectName(f"setting_{name}")
                self._editors[name] = editor
                form.addRow(spec.title, editor)
                self._rows[name] = (form, form.rowCount() - 1)
            layout.addWidget(box)
        layout.addStretch(1)
        self.set_settings(self._settings)

    # -- public API -------------------------------------------------------------------

    def settings(self) -> RunSettings:
        """The settings object being edited (the project's own)."""
        return self._settings

    def set_settings(self, settings: RunSettings) -> None:
        """Edit ``settings`` (e.g. after another project was opened)."""
        self._settings = settings
        for name in self._editors:
            self._show(name, getattr(settings, name))
        self._update_rows()

    def editor(self, name: str) -> QWidget:
        """The editor widget of setting ``name``."""
        return self._editors[name]

    def set_value(self, name: str, value: Any) -> bool:
        """Set ``name`` as if the user typed ``value``; False (and red) when refused."""
        self._show(name, value)
        return self._apply(name, value)

    def is_row_visible(self, name: str) -> bool:
        """True when the row of ``name`` is shown (the setting applies)."""
        form, row = self._rows[name]
        return form.isRowVisible(row)

    # -- editors ----------------------------------------------------------------------

    def _make_editor(self, spec: ParamSpec) -> QWidget:
        name = spec.name
        if spec.kind is ParamKind.BOOL:
            box = QCheckBox(self)
            box.toggled.connect(lambda checked, n=name: self._apply(n, checked))
            return box
        if spec.kind is ParamKind.CHOICE:
            combo = QComboBox(self)
            combo.addItems(list(spec.choices))
            combo.currentTextChanged.connect(lambda text, n=name: self._apply(n, text))
            return combo
        if spec.kind is ParamKind.INT and (spec.maximum or 0) <= _INT32_MAX:
            spin = QSpinBox(self)
            spin.setRange(int(spec.minimum or 0), int(spec.maximum or _INT32_MAX))
            spin.valueChanged.connect(lambda value, n=name: self._apply(n, value))
            return spin
        if spec.kind is ParamKind.INT:
            wide = QDoubleSpinBox(self)
            wide.setDecimals(0)
            wide.setRange(float(spec.minimum or 0), float(spec.maximum or 2**53))
            wide.valueChanged.connect(lambda value, n=name: self._apply(n, int(value)))
            return wide
        line = QLineEdit(self)
        line.editingFinished.connect(lambda n=name, w=line: self._apply_text(n, w.text()))
        return line

    def _show(self, name: str, value: Any) -> None:
        editor = self._editors[name]
        blocker = QSignalBlocker(editor)
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QSpinBox | QDoubleSpinBox):
            editor.setValue(value)
        elif isinstance(editor, QLineEdit):
            editor.setText(f"{value:g}" if isinstance(value, float) else str(value))
        del blocker
        self._mark(name, None)

    def _apply_text(self, name: str, text: str) -> None:
        try:
            value = float(text.strip())
        except ValueError:
            self._mark(name, f"{_SPECS[name].title} must be a number")
            return
        self._apply(name, value)

    def _apply(self, name: str, value: Any) -> bool:
        if getattr(self._settings, name) == value:
            self._mark(name, None)
            return True
        try:
            setattr(self._settings, name, value)
        except ParameterError as error:
            self._mark(name, str(error))
            return False
        self._mark(name, None)
        self._update_rows()
        self.setting_changed.emit(name, getattr(self._settings, name))
        return True

    def _mark(self, name: str, problem: str | None) -> None:
        editor = self._editors[name]
        editor.setStyleSheet(_ERROR_STYLE if problem else "")
        editor.setToolTip(problem or _tip(_SPECS[name]))
        editor.setProperty("problem", problem or "")

    def _update_rows(self) -> None:
        for name, (form, row) in self._rows.items():
            form.setRowVisible(row, applies(name, self._settings))


def _tip(spec: ParamSpec) -> str:
    parts = [spec.help] if spec.help else []
    if spec.has_range and (spec.minimum is not None or spec.maximum is not None):
        parts.append(f"valid: {spec.range_text()}")
    parts.append(f"default: {spec.default}")
    return "\n".join(parts)
