"""The node editor canvas (app layer): scene, items, view and the connect gesture."""

from __future__ import annotations

from lossstudio.app.canvas.block_item import BlockItem, BlockState, PortItem, PortKind
from lossstudio.app.canvas.link_item import LinkItem
from lossstudio.app.canvas.scene import CanvasScene
from lossstudio.app.canvas.view import BLOCK_MIME, CanvasView

__all__ = [
    "BLOCK_MIME", "BlockItem", "BlockState", "CanvasScene", "CanvasView", "LinkItem",
    "PortItem", "PortKind",
]
