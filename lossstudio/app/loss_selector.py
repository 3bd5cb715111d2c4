"""The Target block's loss selector (app layer).

A combo box groups the seven losses as SPEC §4 does (Classification — single label /
multi-label; Regression — continuous / discrete). Each entry shows a one-line
description of when to use it and a mark saying whether it fits the activation of
the current last block (fits / discouraged / does not fit). Below, the chosen loss's
verdict in words, with a button that applies the recommended activation.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from lossstudio.app import icons
from lossstudio.app.canvas import style
from lossstudio.core.activations import ACTIVATIONS, Activation
from lossstudio.core.losses import LOSSES, Fit, LossGroup, compatibility
from lossstudio.core.validator import activation_message

LOSS_ROLE = Qt.ItemDataRole.UserRole
DESCRIPTION_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class LossDelegate(QStyledItemDelegate):
    """Draws group headers, and each loss with its description on a second line."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base = super().sizeHint(option, index)
        height = 26 if index.data(HEADER_ROLE) else 40
        return QSize(max(base.width(), 340), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect
        painter.save()
        if index.data(HEADER_ROLE):
            painter.fillRect(rect, QColor("#eef0f3"))
            font = QFont(option.font)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor("#3e4a59"))
            painter.drawText(rect.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter,
                             str(index.data(Qt.ItemDataRole.DisplayRole)))
            painter.restore()
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, option.palette.highlight())
            text_colour = option.palette.highlightedText().color()
            muted = text_colour
        else:
            text_colour, muted = style.BODY_TEXT, style.MUTED_TEXT
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if icon is not None:
            icon.paint(painter, QRect(rect.left() + 16, rect.top() + 5, 16, 16))
        left = rect.adjusted(40, 3, -8, -3)
        font = QFont(option.font)
        painter.setFont(font)
        painter.setPen(text_colour)
        top = QRect(left.left(), left.top(), left.width(), left.height() // 2)
        painter.drawText(top, Qt.AlignmentFlag.AlignVCenter,
                         str(index.data(Qt.ItemDataRole.DisplayRole)))
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        painter.setFont(small)
        painter.setPen(muted)
        bottom = QRect(left.left(), left.top() + left.height() // 2, left.width(),
                       left.height() // 2)
        text = painter.fontMetrics().elidedText(str(index.data(DESCRIPTION_ROLE)),
                                                Qt.TextElideMode.ElideRight, bottom.width())
        painter.drawText(bottom, Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()


def fit_icon(fit: Fit | None) -> QIcon:
    """The mark for a fit (``None``: unknown)."""
    if fit is None:
        return icons.neutral_icon()
    return {Fit.FINE: icons.ok_icon, Fit.DISCOURAGED: icons.warning_icon,
            Fit.INCOMPATIBLE: icons.cross_icon}[fit]()


class LossSelector(QWidget):
    """Combo box of losses with fit marks, and the verdict for the chosen one."""

    loss_chosen = Signal(str)
    fix_requested = Signal(str, str)
    """(block id, activation id): set that block's activation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(self)
        self.combo.setObjectName("loss_combo")
        self.model = QStandardItemModel(self.combo)
        self.rows: dict[str, int] = {}
        for group in LossGroup:
            header = QStandardItem(str(group))
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setData(True, HEADER_ROLE)
            self.model.appendRow(header)
            for loss in LOSSES.values():
                if loss.group is not group:
                    continue
                item = QStandardItem(loss.label)
                item.setData(loss.id, LOSS_ROLE)
                item.setData(loss.description, DESCRIPTION_ROLE)
                item.setToolTip(loss.description)
                self.rows[loss.id] = self.model.rowCount()
                self.model.appendRow(item)
        self.combo.setModel(self.model)
        self.combo.setItemDelegate(LossDelegate(self.combo))
        self.combo.setMaxVisibleItems(self.model.rowCount())
        self.combo.view().setMinimumWidth(440)
        self.combo.activated.connect(self._activated)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.description.setObjectName("loss_description")
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        self.verdict.setObjectName("loss_verdict")
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.fix_button = QPushButton(self)
        self.fix_button.setVisible(False)
        self.fix_button.clicked.connect(self._fix)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.description)
        layout.addWidget(self.verdict)
        layout.addWidget(self.fix_button)
        self.loss_id = ""
        self.fits: dict[str, Fit | None] = {}
        self._fix_target: tuple[str, str] | None = None

    def _activated(self, row: int) -> None:
        loss_id = self.model.item(row).data(LOSS_ROLE)
        if loss_id and loss_id != self.loss_id:
            self.loss_chosen.emit(str(loss_id))

    def loss_at(self, loss_id: str) -> int:
        """The combo row of ``loss_id``."""
        return self.rows[loss_id]

    def set_state(self, loss_id: str, activation: Activation | None, owner: str | None,
                  owner_has_activation: bool) -> None:
        """Show ``loss_id`` chosen, with marks for the last block's ``activation``."""
        self.loss_id = loss_id
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.rows[loss_id])
        self.combo.blockSignals(False)
        for other, row in self.rows.items():
            fit = compatibility(LOSSES[other], activation) if activation is not None else None
            self.fits[other] = fit
            self.model.item(row).setIcon(fit_icon(fit))
        loss = LOSSES[loss_id]
        fix = " or ".join(ACTIVATIONS[a].label for a in loss.recommended)
        self.description.setText(f"{loss.description} Recommended last activation: {fix}.")
        self._show_verdict(loss_id, activation, owner, owner_has_activation)

    def _show_verdict(self, loss_id: str, activation: Activation | None, owner: str | None,
                      owner_has_activation: bool) -> None:
        loss = LOSSES[loss_id]
        self._fix_target = None
        self.fix_button.setVisible(False)
        if activation is None:
            self.verdict.setText("<span style='color:#66717f'>Connect the last block to this "
                                 "Target to check the fit.</span>")
            return
        fit = compatibility(loss, activation)
        if fit is Fit.FINE:
            self.verdict.setText(
                f"<span style='color:{style.OK.name()}'>✓ Fits the last block: "
                f"{activation.label} outputs suit {loss.label}.</span>")
            return
        colour = style.ERROR if fit is Fit.INCOMPATIBLE else style.WARNING
        word = "Does not fit" if fit is Fit.INCOMPATIBLE else "Discouraged"
        self.verdict.setText(f"<span style='color:{colour.name()}'><b>{word}:</b> "
                             f"{activation_message(loss, activation, fit)}</span>")
        if owner is not None and owner_has_activation:
            best = loss.recommended[0]
            self._fix_target = (owner, best)
            self.fix_button.setText(f"Use {ACTIVATIONS[best].label} in {owner}")
            self.fix_button.setVisible(True)

    def _fix(self) -> None:
        if self._fix_target is not None:
            self.fix_requested.emit(*self._fix_target)
