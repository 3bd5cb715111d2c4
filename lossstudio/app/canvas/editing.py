"""Cut, copy, paste, delete and select all on the canvas (app layer, canvas).

Each command reads the scene's selection and makes one edit through the project;
paste selects what it pasted and offsets it so that it does not hide the originals.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from lossstudio.app.canvas.clipboard import (
    ClipboardError,
    copy_payload,
    from_mime,
    paste_edit,
    to_mime,
)
from lossstudio.app.canvas.scene import CanvasScene

PASTE_OFFSET = 40.0


class CanvasEditing:
    """The Edit menu's work on one scene."""

    def __init__(self, scene: CanvasScene) -> None:
        self.scene = scene
        self._pastes = 0

    def copy(self) -> int:
        """Copy the selected blocks (and links among them); returns how many."""
        node_ids = self.scene.selected_block_ids()
        if not node_ids:
            self.scene.message_posted.emit("Select blocks to copy")
            return 0
        payload = copy_payload(self.scene.project().graph, node_ids)
        QGuiApplication.clipboard().setMimeData(to_mime(payload))
        self._pastes = 0
        self.scene.message_posted.emit(f"Copied {len(node_ids)} block(s)")
        return len(node_ids)

    def cut(self) -> int:
        """Copy, then delete the selection as one undo step."""
        count = self.copy()
        if count:
            self.scene.delete_selection()
        return count

    def paste(self) -> list[str]:
        """Paste the clipboard's blocks with fresh ids; returns their ids."""
        payload = from_mime(QGuiApplication.clipboard().mimeData())
        if payload is None:
            self.scene.message_posted.emit("The clipboard holds no LossStudio blocks")
            return []
        self._pastes += 1
        offset = PASTE_OFFSET * self._pastes
        project = self.scene.project()
        try:
            edit, node_ids = paste_edit(project.graph, payload, (offset, offset))
            project.apply(edit)
        except (ClipboardError, ValueError) as error:
            self.scene.message_posted.emit(f"Cannot paste: {error}")
            return []
        self.scene.select_blocks(node_ids)
        self.scene.message_posted.emit(f"Pasted {len(node_ids)} block(s)")
        return node_ids

    def delete(self) -> None:
        """Delete the selected blocks and links."""
        self.scene.delete_selection()

    def select_all(self) -> None:
        """Select every block and link."""
        self.scene.select_all()
