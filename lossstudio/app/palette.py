"""The block palette: block types grouped by category, searchable (app layer).

Drag a block onto the canvas to place it there, or double-click it (or press Enter)
to add it in the middle of the view. The search field filters by name, type id,
category and description.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lossstudio.app import icons
from lossstudio.app.canvas.view import BLOCK_MIME
from lossstudio.core.blocks import BLOCKS, CATEGORIES

TYPE_ROLE = Qt.ItemDataRole.UserRole


class PaletteTree(QTreeWidget):
    """The tree of categories and blocks; drags carry the block type id."""

    activated_block = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformRowHeights(True)
        self.itemActivated.connect(self._activated)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        super().startDrag(Qt.DropAction.CopyAction)  # never "move" a block out of the palette

    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        mime = QMimeData()
        for item in items:
            type_id = item.data(0, TYPE_ROLE)
            if type_id:
                mime.setData(BLOCK_MIME, str(type_id).encode("utf-8"))
                mime.setText(str(type_id))
                break
        return mime

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.currentItem()
            if item is not None and item.data(0, TYPE_ROLE):
                self._activated(item, 0)
                event.accept()
                return
        super().keyPressEvent(event)

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.activated_block.emit(str(type_id))


class BlockPalette(QWidget):
    """Search field above the grouped block list."""

    block_requested = Signal(str)
    """The user asked for a block of this type (double-click or Enter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search blocks…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._groups: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_match)
        self.tree.activated_block.connect(self.block_requested)

    def _fill(self) -> None:
        for category in CATEGORIES:
            group = QTreeWidgetItem([category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            self._groups[category] = group
            for type_id, spec in BLOCKS.items():
                if spec.category != category:
                    continue
                item = QTreeWidgetItem([spec.label])
                item.setData(0, TYPE_ROLE, type_id)
                item.setIcon(0, icons.category_icon(category))
                item.setToolTip(0, f"<b>{spec.label}</b> ({type_id})<br>{spec.description}"
                                "<br><i>Drag onto the canvas, or double-click to add.</i>")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                group.addChild(item)
            group.setExpanded(True)

    def _entries(self, group: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        children = (group.child(index) for index in range(group.childCount()))
        return [child for child in children if child is not None]

    def block_item(self, type_id: str) -> QTreeWidgetItem | None:
        """The palette entry of ``type_id``."""
        for group in self._groups.values():
            for child in self._entries(group):
                if child.data(0, TYPE_ROLE) == type_id:
                    return child
        return None

    def filter(self, text: str) -> None:
        """Show only the blocks matching ``text``."""
        needle = text.strip().lower()
        for category, group in self._groups.items():
            shown = 0
            for child in self._entries(group):
                type_id = str(child.data(0, TYPE_ROLE))
                spec = BLOCKS[type_id]
                haystack = f"{spec.label} {type_id} {category} {spec.description}".lower()
                match = not needle or needle in haystack
                child.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
            group.setExpanded(True)

    def visible_types(self) -> list[str]:
        """Block type ids that the filter shows, in palette order."""
        found = []
        for group in self._groups.values():
            for child in self._entries(group):
                if not child.isHidden() and not group.isHidden():
                    found.append(str(child.data(0, TYPE_ROLE)))
        return found

    def _add_first_match(self) -> None:
        shown = self.visible_types()
        if self.search.text().strip() and shown:
            self.block_requested.emit(shown[0])
