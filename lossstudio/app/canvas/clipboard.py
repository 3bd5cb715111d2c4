"""Copy and paste of blocks (app layer, canvas).

Copy writes the selected blocks, and the links among them, as JSON to the clipboard
(its own mime type, plus plain text). Paste reads it back into one ``Composite``
edit of ``AddNode`` and ``Connect`` edits with fresh ids, links among the pasted
blocks kept. A clipboard that is not ours, or is damaged, pastes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QMimeData

from lossstudio.core.blocks import BLOCKS
from lossstudio.core.edits import AddNode, Composite, Connect, Edit
from lossstudio.core.errors import ParameterError
from lossstudio.core.graph import Graph, Link, Node
from lossstudio.core.project_model import coerce_params

CLIP_MIME = "application/x-lossstudio-blocks"
CLIP_FORMAT = "lossstudio.blocks"


class ClipboardError(ValueError):
    """Clipboard content that cannot be pasted; the message says why."""


def copy_payload(graph: Graph, node_ids: Iterable[str]) -> dict[str, Any]:
    """The blocks ``node_ids`` and the links among them as a JSON-able dict."""
    chosen = [node_id for node_id in node_ids if node_id in graph.nodes]
    inside = set(chosen)
    return {
        "format": CLIP_FORMAT,
        "blocks": [
            {"id": node.id, "type": node.type, "params": node.copy().params,
             "position": list(node.position)}
            for node in (graph.nodes[node_id] for node_id in chosen)
        ],
        "links": [
            {"source": link.source, "target": link.target, "port": link.port}
            for link in graph.links.values()
            if link.source in inside and link.target in inside
        ],
    }


def to_mime(payload: dict[str, Any]) -> QMimeData:
    """Clipboard data carrying ``payload``."""
    text = json.dumps(payload, indent=1)
    mime = QMimeData()
    mime.setData(CLIP_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def from_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    """Our payload from clipboard data, or ``None`` when it holds something else."""
    if mime is None:
        return None
    if mime.hasFormat(CLIP_MIME):
        raw = bytes(mime.data(CLIP_MIME).data()).decode("utf-8", "replace")
    elif mime.hasText():
        raw = mime.text()
    else:
        return None
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("format") != CLIP_FORMAT:
        return None
    return payload


def _fresh(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}_{number}" in taken:
        number += 1
    fresh = f"{prefix}_{number}"
    taken.add(fresh)
    return fresh


def paste_edit(graph: Graph, payload: dict[str, Any],
               offset: tuple[float, float]) -> tuple[Edit, list[str]]:
    """The edit that pastes ``payload`` moved by ``offset``, and the new block ids."""
    blocks, links = payload.get("blocks"), payload.get("links", [])
    if not isinstance(blocks, list) or not blocks or not isinstance(links, list):
        raise ClipboardError("the clipboard holds no blocks")
    taken = set(graph.nodes) | set(graph.links)
    renamed: dict[str, str] = {}
    edits: list[Edit] = []
    for entry in blocks:
        try:
            type_id, old_id = entry["type"], str(entry["id"])
            x, y = (float(value) for value in entry["position"])
            values = BLOCKS[type_id].defaults()
            values.update(coerce_params(type_id, entry.get("params", {})))
        except (KeyError, TypeError, ValueError, ParameterError) as error:
            raise ClipboardError(f"a copied block cannot be pasted ({error})") from None
        renamed[old_id] = _fresh(type_id, taken)
        node = Node(renamed[old_id], type_id, values, (x + offset[0], y + offset[1]))
        edits.append(AddNode(node))
    for entry in links:
        try:
            source, target = renamed[entry["source"]], renamed[entry["target"]]
            port = int(entry.get("port", 0))
        except (KeyError, TypeError, ValueError):
            continue
        edits.append(Connect(Link(_fresh("link", taken), source, target, port)))
    count = len(renamed)
    text = f"Paste {count} block" + ("s" if count != 1 else "")
    return Composite(edits, text), list(renamed.values())
